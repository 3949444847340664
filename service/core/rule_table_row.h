// SPDX-License-Identifier: Apache-2.0
//
// The rows of the table actions, built on the broker thread so that the
// worker only stores them (table_writer.h):
//
//   dynamoDBv2  each top-level key of the SELECT result is an attribute:
//               the item is the result object itself;
//   dynamoDB    the item is {hashKeyField: value[, rangeKeyField: value],
//               payloadField: result}; the keys are also columns; the
//               operation INSERT or UPDATE puts the item, DELETE deletes.
//
// Thread safety: free functions over values; safe for concurrent use.

#ifndef SHADOWSYNC_SERVICE_CORE_RULE_TABLE_ROW_H_
#define SHADOWSYNC_SERVICE_CORE_RULE_TABLE_ROW_H_

#include <string>

#include "shadowsync/sql.h"
#include "shadowsync/status.h"
#include "shadowsync/topic_rule.h"
#include "table_sink.h"

namespace shadowsync::host {

/// The dynamoDBv2 row for a matched message. kInvalidArgument (the error
/// action's errorMessage) when the table name does not render to a valid
/// name or the result is not a JSON object. Only the table, item and
/// operation are set; the caller fills in the rest of TableWrite.
Result<TableWrite> DynamoDbV2Row(const DynamoDbV2Action& action, const SqlMessage& message,
                                 const SqlOutcome& outcome);

/// The dynamoDB (v1) row, likewise: also refused for an invalid key column
/// name, a NUMBER key that is not a number, an operation other than
/// INSERT, UPDATE or DELETE, and a non-JSON payload.
Result<TableWrite> DynamoDbRow(const DynamoDbAction& action, const SqlMessage& message,
                               const SqlOutcome& outcome);

}  // namespace shadowsync::host

#endif  // SHADOWSYNC_SERVICE_CORE_RULE_TABLE_ROW_H_
