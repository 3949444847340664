# SPDX-License-Identifier: Apache-2.0
# Debian packages with CPack (scripts/package.sh builds them, and
# tests/package/check_debs.sh checks them: lintian, dpkg-deb -x, --version, a
# pkg-config consumer). One package per install component:
#
#   component               package             contents
#   shadowsync_development  libshadowsync-dev   headers, libshadowsync.a,
#                                               libshadowsync_testing.a,
#                                               libshadowsync_loopback.a, the
#                                               CMake package, shadowsync.pc
#   shadowsync_agent        shadowsync-agent    the agent, its systemd unit,
#                                               /etc/shadowsync/agent.json
#   shadowsync_tools        shadowsync-tools    shadowctl, shadowsync-emulator,
#                                               shadowsync-gateway, the
#                                               mosquitto plugin
#
# There is no runtime package (libshadowsync0): the library is static (no
# BUILD_SHARED_LIBS, no export macros, default visibility), so the programs
# carry their copy and the component shadowsync_runtime is empty. Shipping a
# shared library needs hidden visibility, export macros and a symbols file
# first; until then a shared build is not packaged.
#
# The packages are meant to be built for the prefix /usr (scripts/package.sh
# configures it); the packaging prefix follows CMAKE_INSTALL_PREFIX so that
# the paths compiled into the unit and the .pc file match.
if(NOT SHADOWSYNC_INSTALL)
  return()
endif()

set(SHADOWSYNC_PACKAGE_MAINTAINER "shadowsync maintainers <shadowsync@example.com>"
    CACHE STRING "Maintainer field of the Debian packages")
set(SHADOWSYNC_PACKAGE_HOMEPAGE "https://example.com/shadowsync"
    CACHE STRING "Homepage field of the Debian packages")

get_target_property(shadowsync_library_type shadowsync TYPE)
if(NOT shadowsync_library_type STREQUAL "STATIC_LIBRARY")
  message(WARNING "shadowsync: the Debian packages expect a static libshadowsync; this "
                  "build's is ${shadowsync_library_type}, which no package ships")
endif()

set(shadowsync_deb_dir ${PROJECT_SOURCE_DIR}/packaging/deb)
set(shadowsync_deb_build_dir ${PROJECT_BINARY_DIR}/packaging/deb)

# Files every package carries in /usr/share/doc/<package>: the copyright and
# the changelog (gzip -9n: lintian wants it compressed, and without a time
# stamp for reproducible builds). Only for the packages (EXCLUDE_FROM_ALL):
# `cmake --install` leaves them out.
file(READ ${shadowsync_deb_dir}/changelog.in shadowsync_changelog)
file(CONFIGURE OUTPUT ${shadowsync_deb_build_dir}/changelog
     CONTENT "${shadowsync_changelog}" @ONLY)
set_property(DIRECTORY APPEND PROPERTY CMAKE_CONFIGURE_DEPENDS ${shadowsync_deb_dir}/changelog.in)
execute_process(
  COMMAND gzip -9 -n -f -k ${shadowsync_deb_build_dir}/changelog
  RESULT_VARIABLE shadowsync_gzip_result)
if(NOT shadowsync_gzip_result EQUAL 0)
  message(FATAL_ERROR "gzip ${shadowsync_deb_build_dir}/changelog failed")
endif()

# shadowsync_deb_package(<component> <package> <section> <summary> <description>
#                        [DOCS files...])
function(shadowsync_deb_package component package section summary description)
  cmake_parse_arguments(PARSE_ARGV 5 arg "" "" "DOCS")
  string(TOUPPER ${component} c)
  set(CPACK_DEBIAN_${c}_PACKAGE_NAME ${package} PARENT_SCOPE)
  set(CPACK_DEBIAN_${c}_PACKAGE_SECTION ${section} PARENT_SCOPE)
  # CPack makes the first line the synopsis and the rest the extended
  # description.
  set(CPACK_COMPONENT_${c}_DESCRIPTION "${summary}\n${description}" PARENT_SCOPE)
  set(doc_dir ${CMAKE_INSTALL_DATAROOTDIR}/doc/${package})
  install(FILES ${shadowsync_deb_dir}/copyright ${shadowsync_deb_build_dir}/changelog.gz
                ${arg_DOCS}
          DESTINATION ${doc_dir}
          COMPONENT ${component} EXCLUDE_FROM_ALL)
  if(EXISTS ${shadowsync_deb_dir}/${package}/lintian-overrides)
    install(FILES ${shadowsync_deb_dir}/${package}/lintian-overrides
            DESTINATION ${CMAKE_INSTALL_DATAROOTDIR}/lintian/overrides
            RENAME ${package}
            COMPONENT ${component} EXCLUDE_FROM_ALL)
  endif()
endfunction()

shadowsync_deb_package(shadowsync_development libshadowsync-dev libdevel
  "AWS IoT Device Shadow library for C++17 - development files"
  "shadowsync models AWS IoT Device Shadow documents (desired, reported,
delta, metadata, versions), builds and parses the shadow topics, and keeps a
device's shadow in sync over MQTT (Eclipse Paho C++ with mutual TLS) with
ShadowClient. Its ShadowService answers requests as AWS IoT Core does.

This package holds the headers, the static libraries shadowsync,
shadowsync_loopback (LoopbackBroker) and shadowsync_testing (MockTransport,
for unit tests), the
CMake package (find_package(shadowsync)) and the pkg-config file
shadowsync.pc."
  DOCS ${PROJECT_SOURCE_DIR}/README.md)

shadowsync_deb_package(shadowsync_agent shadowsync-agent net
  "Reports a Linux device's sensors to an AWS IoT Device Shadow"
  "shadowsync-agent samples sensors (system load, memory, disks, hwmon chips,
files, commands, sockets) and keeps the reported state of an AWS IoT Device
Shadow up to date: only changes travel, and nothing is lost while offline. It
takes its own settings back from the shadow's desired state.

The package installs a systemd unit that runs the agent as the system user
shadowsync, and an example configuration in /etc/shadowsync/agent.json. The
unit is neither enabled nor started: add the certificates, edit the file,
then run systemctl enable --now shadowsync-agent."
  DOCS ${PROJECT_SOURCE_DIR}/docs/agent.md)

shadowsync_deb_package(shadowsync_tools shadowsync-tools net
  "Local AWS IoT Core: mosquitto plugin, emulator, REST gateway, shadowctl"
  "shadowsync_mosquitto.so makes a mosquitto 2.0 broker answer as AWS IoT Core
does: the Device Shadow service, AWS IoT policies and lifecycle events, so
that devices and tests need no AWS account. shadowsync-emulator runs the same
shadow service as an MQTT client of any broker. shadowsync-gateway serves the
Device Shadow REST API over HTTPS (client certificates or SigV4) in front of
it. shadowctl gets, updates, deletes and watches a shadow from a shell, and
checks AWS IoT policies.

An example mosquitto configuration is in
/usr/share/doc/shadowsync-tools/examples/shadowsync.conf."
  DOCS ${PROJECT_SOURCE_DIR}/docs/broker-plugin.md ${PROJECT_SOURCE_DIR}/docs/emulator.md
       ${PROJECT_SOURCE_DIR}/docs/shadowctl.md ${PROJECT_SOURCE_DIR}/docs/policies.md
       ${PROJECT_SOURCE_DIR}/docs/gateway.md)

# Static libraries: CMake's strip leaves archives alone. When cpack strips
# (CMAKE_INSTALL_DO_STRIP), strip them as dh_strip does: no debug sections,
# no .comment or .note (the compiler's version strings; lintian's
# static-library-has-unneeded-sections), deterministic archive headers.
# Runs after lib/'s install rules (CMP0082: rules run in declaration order).
set(shadowsync_deb_archives $<TARGET_FILE_NAME:shadowsync>)
if(TARGET shadowsync_testing)
  list(APPEND shadowsync_deb_archives $<TARGET_FILE_NAME:shadowsync_loopback>
       $<TARGET_FILE_NAME:shadowsync_testing>)
endif()
install(CODE "
  if(CMAKE_INSTALL_DO_STRIP)
    foreach(archive ${shadowsync_deb_archives})
      set(path \"\$ENV{DESTDIR}\${CMAKE_INSTALL_PREFIX}/${CMAKE_INSTALL_LIBDIR}/\${archive}\")
      execute_process(
        COMMAND \"${CMAKE_STRIP}\" --strip-debug --remove-section=.comment
                --remove-section=.note --enable-deterministic-archives \"\${path}\"
        RESULT_VARIABLE rc)
      if(NOT rc EQUAL 0)
        message(FATAL_ERROR \"strip \${path} failed: \${rc}\")
      endif()
    endforeach()
  endif()"
  COMPONENT shadowsync_development EXCLUDE_FROM_ALL)

# The mosquitto plugin goes to a directory of its own in the package,
# /usr/lib/<arch>/shadowsync/shadowsync_mosquitto.so: a plugin has no SONAME,
# and Debian (policy 10.2; lintian's error
# sharedobject-in-library-directory-missing-soname) keeps such objects out of
# the directories ldconfig reads. `cmake --install` keeps putting it in the
# library directory itself (service/mosquitto/CMakeLists.txt, the path the
# examples and docs name for a build); this second rule is for the package
# only.
install(TARGETS shadowsync_mosquitto
        LIBRARY DESTINATION ${CMAKE_INSTALL_LIBDIR}/shadowsync
        COMPONENT shadowsync_tools EXCLUDE_FROM_ALL)

# The mosquitto snippet is an example, not a conffile in
# /etc/mosquitto/conf.d: installing the tools must not change what a running
# broker does (it would take port 1883 and every shadow topic); copying it
# there is one command (docs/broker-plugin.md). Its plugin line names the
# packaged plugin.
set(shadowsync_plugin_path
    ${CMAKE_INSTALL_FULL_LIBDIR}/shadowsync/shadowsync_mosquitto${CMAKE_SHARED_MODULE_SUFFIX})
configure_file(${shadowsync_deb_dir}/shadowsync-tools/shadowsync.conf.in
               ${shadowsync_deb_build_dir}/shadowsync.conf @ONLY)
install(FILES ${shadowsync_deb_build_dir}/shadowsync.conf
        DESTINATION ${CMAKE_INSTALL_DATAROOTDIR}/doc/shadowsync-tools/examples
        COMPONENT shadowsync_tools EXCLUDE_FROM_ALL)

set(CPACK_GENERATOR DEB)
set(CPACK_DEB_COMPONENT_INSTALL ON)
set(CPACK_COMPONENTS_ALL shadowsync_development shadowsync_agent shadowsync_tools)
set(CPACK_PACKAGE_NAME shadowsync)
set(CPACK_PACKAGE_VENDOR shadowsync)
set(CPACK_PACKAGE_VERSION ${PROJECT_VERSION})
set(CPACK_PACKAGE_CONTACT "${SHADOWSYNC_PACKAGE_MAINTAINER}")
# Each package's synopsis is the first line of its own description (above);
# CPack would put this project-wide summary in front of it otherwise.
set(CPACK_PACKAGE_DESCRIPTION_SUMMARY "")
set(CPACK_PACKAGING_INSTALL_PREFIX ${CMAKE_INSTALL_PREFIX})
# Programs and the plugin stripped (CMAKE_STRIP: scripts/package.sh passes
# packaging/deb/strip, which also drops .comment and .note as dh_strip
# does); directories 0755 whatever the umask.
set(CPACK_STRIP_FILES ON)
set(CPACK_INSTALL_DEFAULT_DIRECTORY_PERMISSIONS
    OWNER_READ OWNER_WRITE OWNER_EXECUTE GROUP_READ GROUP_EXECUTE WORLD_READ WORLD_EXECUTE)

# shadowsync-agent_0.1.0_amd64.deb: a native package (no Debian revision).
set(CPACK_DEBIAN_FILE_NAME DEB-DEFAULT)
set(CPACK_DEBIAN_PACKAGE_MAINTAINER "${SHADOWSYNC_PACKAGE_MAINTAINER}")
set(CPACK_DEBIAN_PACKAGE_HOMEPAGE "${SHADOWSYNC_PACKAGE_HOMEPAGE}")
set(CPACK_DEBIAN_PACKAGE_PRIORITY optional)
# Depends from the ELF files' needs (dpkg-shlibdeps), added to the ones
# below.
set(CPACK_DEBIAN_PACKAGE_SHLIBDEPS ON)
set(CPACK_DEBIAN_PACKAGE_CONTROL_STRICT_PERMISSION ON)

# The -dev package has only static libraries, so its Depends are the -dev
# packages of what a consumer's link needs (shadowsync.pc, shadowsyncConfig).
set(CPACK_DEBIAN_SHADOWSYNC_DEVELOPMENT_PACKAGE_DEPENDS
    "rapidjson-dev (>= 1.1), libpaho-mqttpp-dev (>= 1.2), libpaho-mqtt-dev (>= 1.3), libssl-dev, libcurl4-openssl-dev")
set(CPACK_DEBIAN_SHADOWSYNC_DEVELOPMENT_PACKAGE_SUGGESTS "libgmock-dev, cmake, pkg-config")
# postinst creates the user with adduser.
set(CPACK_DEBIAN_SHADOWSYNC_AGENT_PACKAGE_DEPENDS "adduser")
# Maintainer scripts and conffiles, with the configuration directory of this
# prefix (/etc for /usr) filled in.
set(shadowsync_agent_config_dir ${CMAKE_INSTALL_FULL_SYSCONFDIR}/shadowsync)
set(shadowsync_agent_control)
foreach(name conffiles postinst prerm postrm)
  configure_file(${shadowsync_deb_dir}/shadowsync-agent/${name}.in
                 ${shadowsync_deb_build_dir}/shadowsync-agent/${name} @ONLY)
  list(APPEND shadowsync_agent_control ${shadowsync_deb_build_dir}/shadowsync-agent/${name})
endforeach()
set(CPACK_DEBIAN_SHADOWSYNC_AGENT_PACKAGE_CONTROL_EXTRA ${shadowsync_agent_control})
set(CPACK_DEBIAN_SHADOWSYNC_TOOLS_PACKAGE_SUGGESTS "mosquitto (>= 2.0)")
# The gateway's console plots with Debian's dygraphs (docs/console.md).
set(CPACK_DEBIAN_SHADOWSYNC_TOOLS_PACKAGE_RECOMMENDS "libjs-dygraphs")

include(CPack)
