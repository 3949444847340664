// SPDX-License-Identifier: Apache-2.0
//
// Preloaded after the ASan runtime into a mosquitto that loads the
// instrumented broker plugin (tests/CMakeLists.txt, plugin_environment.h).
// It only defines `swift_demangle`, and that is the whole fix:
//
//   mosquitto needs libgpg-error (through libsystemd and libgcrypt), whose
//   constructor runs before the preloaded ASan runtime has initialised and
//   calls bindtextdomain(), which holds glibc's gettext lock (_nl_state_lock)
//   for writing while it calls malloc(). That malloc is ASan's, which
//   initialises lazily right there: it looks up the optional symbol
//   swift_demangle with dlsym() and clears the failure with dlerror(), and
//   dlerror() translates its message through gettext, taking the same lock
//   for reading on the same thread. glibc's rwlock does not detect that; the
//   unbalanced unlocks leave the lock corrupt, and the next writer, libpq's
//   own bindtextdomain() on the first PostgreSQL connection, waits forever.
//
// With swift_demangle defined, dlsym() succeeds, dlerror() has nothing to
// translate, and the lock is never touched re-entrantly. ASan only calls it
// to demangle Swift names in its reports; returning nullptr says "not a
// Swift name". Measured with gdb on Debian 12 (glibc 2.36, LLVM 14).

#include <cstddef>
#include <cstdint>

extern "C" __attribute__((visibility("default"))) char* swift_demangle(
    const char* /*mangled*/, std::size_t /*mangled_length*/, char* /*output*/,
    std::size_t* /*output_size*/, std::uint32_t /*flags*/) {
  return nullptr;
}
