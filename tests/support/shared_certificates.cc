// SPDX-License-Identifier: Apache-2.0
#include "support/shared_certificates.h"

#include <gtest/gtest.h>

#include <map>
#include <mutex>

namespace shadowsync::testing_support {

std::shared_ptr<const TestCertificates> SharedCertificates(
    const std::vector<std::string>& client_names) {
  static std::mutex mu;
  static std::map<std::vector<std::string>, std::shared_ptr<const TestCertificates>> made;
  std::lock_guard<std::mutex> lock(mu);
  auto found = made.find(client_names);
  if (found != made.end()) return found->second;
  TestCertificateOptions options;
  options.client_names = client_names;
  Result<TestCertificates> generated = GenerateTestCertificates(options);
  if (!generated.ok()) {
    ADD_FAILURE() << "GenerateTestCertificates: " << generated.status().ToString();
    return nullptr;
  }
  auto certs = std::make_shared<const TestCertificates>(std::move(generated).value());
  made.emplace(client_names, certs);
  return certs;
}

}  // namespace shadowsync::testing_support
