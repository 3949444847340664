// SPDX-License-Identifier: Apache-2.0
//
// Runs one topic vector of spec section 13 (the format of
// `topic_vectors.json`) through ParseTopic and BuildTopic.
//
// Thread safety: free functions; safe for concurrent use.

#ifndef SHADOWSYNC_TESTS_CONFORMANCE_TOPIC_VECTOR_H_
#define SHADOWSYNC_TESTS_CONFORMANCE_TOPIC_VECTOR_H_

#include <cstddef>
#include <string>

#include "conformance/vector_result.h"
#include "shadowsync/json.h"

namespace shadowsync::conformance {

/// "#<index> <topic>", or "#<index>" when the vector has no topic string.
std::string TopicVectorName(const JsonValue& vector, std::size_t index);

/// With `expect.valid` true: ParseTopic must succeed with the expected thing,
/// shadow (null: classic), operation and suffix (null: none), and BuildTopic
/// of the result must give the topic back. With `expect.valid` false:
/// ParseTopic must fail; its error text is kept as a note. A malformed
/// vector is a failure whose message starts with "bad vector:".
VectorResult RunTopicVector(const JsonValue& vector);

}  // namespace shadowsync::conformance

#endif  // SHADOWSYNC_TESTS_CONFORMANCE_TOPIC_VECTOR_H_
