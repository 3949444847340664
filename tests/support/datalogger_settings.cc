// SPDX-License-Identifier: Apache-2.0
#include "support/datalogger_settings.h"

namespace shadowsync::testing_support {

std::string DataLoggerAwsIotBlock(const std::string& server, int port) {
  return R"(  "AWS IoT": {
    "Enabled": true,
    "Port": )" +
         std::to_string(port) + R"(,
    "Server": ")" +
         server + R"(",
    "MQTT Topic": "$aws/things/TestThing23/shadow/update",
    "Client Name": "TestThing23",
    "Buffer Size": 0,
    "Username": "",
    "Password": "",
    "CA Certificate": "",
    "Client Certificate": "",
    "Client Key": "",
    "CA Cert Filename": "AmazonRootCA1.pem",
    "Client Cert Filename": "TestThing23_DevCert.crt",
    "Client Key Filename": "TestThing23_Private.key"
  })";
}

}  // namespace shadowsync::testing_support
