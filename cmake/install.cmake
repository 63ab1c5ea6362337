# Install rules and the Debian package (docs/operations.md, "Install"). Programs are installed
# by qw_program() (services/CMakeLists.txt); test tools and benchmarks never are.
set(QW_DATA ${CMAKE_INSTALL_DATADIR}/quotawatch)
install(DIRECTORY ${CMAKE_SOURCE_DIR}/services/notifier/templates/ DESTINATION ${QW_DATA}/templates)
install(FILES ${CMAKE_SOURCE_DIR}/deploy/policy.example.yaml
  ${CMAKE_SOURCE_DIR}/deploy/notifier.example.yaml DESTINATION ${QW_DATA}/examples)
install(FILES ${CMAKE_SOURCE_DIR}/README.md ${CMAKE_SOURCE_DIR}/LICENSE
  ${CMAKE_SOURCE_DIR}/CONTRIBUTING.md DESTINATION ${CMAKE_INSTALL_DOCDIR})
install(DIRECTORY ${CMAKE_SOURCE_DIR}/docs/ DESTINATION ${CMAKE_INSTALL_DOCDIR})
# Units name /usr/bin: they are for the package (prefix /usr); see deploy/systemd/README.md.
install(FILES ${CMAKE_SOURCE_DIR}/deploy/systemd/qw-ingest.service
  ${CMAKE_SOURCE_DIR}/deploy/systemd/qw-evaluator.service
  ${CMAKE_SOURCE_DIR}/deploy/systemd/qw-notifier.service
  ${CMAKE_SOURCE_DIR}/deploy/systemd/qw-gateway.service
  ${CMAKE_SOURCE_DIR}/deploy/systemd/qw-salesforce.service
  ${CMAKE_SOURCE_DIR}/deploy/systemd/qw-web.service DESTINATION lib/systemd/system)

# The build tree looks like an install: <build>/bin/../share/quotawatch/templates, so programs
# run from the build find their data the way installed ones do (quotawatch/path.h).
file(MAKE_DIRECTORY ${CMAKE_BINARY_DIR}/share/quotawatch)
file(CREATE_LINK ${CMAKE_SOURCE_DIR}/services/notifier/templates
  ${CMAKE_BINARY_DIR}/share/quotawatch/templates SYMBOLIC)
file(CREATE_LINK ${CMAKE_SOURCE_DIR}/services/web/static
  ${CMAKE_BINARY_DIR}/share/quotawatch/web SYMBOLIC)

set(CPACK_GENERATOR DEB)
set(CPACK_PACKAGE_NAME quotawatch)
set(CPACK_PACKAGE_VERSION ${PROJECT_VERSION})
set(CPACK_PACKAGE_VENDOR "quotawatch")
set(CPACK_PACKAGE_CONTACT "quotawatch maintainers <maintainers@quotawatch.invalid>")
set(CPACK_PACKAGE_DESCRIPTION_SUMMARY
  "Real-time sales quota attainment with explainable, fair decisions")
set(CPACK_PACKAGE_DESCRIPTION
  "qw-gateway receives authenticated CRM webhooks onto Kafka; qw-ingest, qw-evaluator and\nqw-notifier turn the deal changes into credited attainment in Redis and publish warning,\nreward, support and review decisions.")
set(CPACK_RESOURCE_FILE_LICENSE ${CMAKE_SOURCE_DIR}/LICENSE)
set(CPACK_PACKAGING_INSTALL_PREFIX /usr)
set(CPACK_DEBIAN_FILE_NAME DEB-DEFAULT)
set(CPACK_DEBIAN_PACKAGE_SECTION net)
set(CPACK_DEBIAN_PACKAGE_SHLIBDEPS ON) # the shared libraries' packages, found by dpkg-shlibdeps
set(CPACK_DEBIAN_PACKAGE_SUGGESTS "redis-server, stunnel4")
set(CPACK_DEBIAN_PACKAGE_CONTROL_EXTRA ${CMAKE_SOURCE_DIR}/deploy/debian/postinst
  ${CMAKE_SOURCE_DIR}/deploy/debian/prerm ${CMAKE_SOURCE_DIR}/deploy/debian/postrm)
set(CPACK_DEBIAN_PACKAGE_CONTROL_STRICT_PERMISSION ON)
include(CPack)
install(DIRECTORY ${CMAKE_SOURCE_DIR}/deploy/systemd/examples/ DESTINATION ${QW_DATA}/examples/systemd)
# Alert rules (with their promtool tests), the Grafana dashboard and an example scrape config.
install(DIRECTORY ${CMAKE_SOURCE_DIR}/deploy/observability/ DESTINATION ${QW_DATA}/observability)
