// SPDX-License-Identifier: Apache-2.0
//
// shadowctl over HTTPS: get, update, delete and list through the Device
// Shadow REST API (ShadowRestClient), with a client certificate or SigV4,
// and the same output and exit codes as over MQTT (shadowctl_command.h).
// watch polls with GET (REST has no push; rest_watch.h).
//
// Thread safety: RunRest is a plain function; one call at a time per
// ostream.
#ifndef SHADOWSYNC_TOOLS_SHADOWCTL_REST_COMMAND_H_
#define SHADOWSYNC_TOOLS_SHADOWCTL_REST_COMMAND_H_

#include <ostream>

#include "shadowctl_command.h"
#include "shadowsync/aws_credentials.h"
#include "shadowsync/rest_client.h"

namespace shadowsync {
namespace shadowctl {

/// The ShadowRestClient options for `options` (protocol kHttps*). SigV4
/// credentials and region come from --profile/--region and `environment`
/// (the AWS CLI's order); kNotFound names every source tried.
Result<RestClientOptions> ToRestClientOptions(const Options& options,
                                              const AwsEnvironment& environment);

/// Runs `options.command` over HTTPS (watch: rest_watch.h, with `stop`)
/// and returns an ExitCode:
/// 0 accepted, 2 bad options or credentials, 3 an error answer ("error:
/// <code> <message> (<x-amzn-ErrorType>)"), 4 no answer within --timeout,
/// 5 cannot connect (TLS, DNS, refused), 1 otherwise.
int RunRest(const Options& options, const Request& request, std::ostream& out, std::ostream& err,
            const AwsEnvironment& environment, StopSignal& stop);

}  // namespace shadowctl
}  // namespace shadowsync

#endif  // SHADOWSYNC_TOOLS_SHADOWCTL_REST_COMMAND_H_
