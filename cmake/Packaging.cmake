# Install layout and the Debian package: `cpack -G DEB` in the build dir writes
# regcache_<version>_amd64.deb (binary, default config, systemd unit, environment
# file for secrets; the maintainer scripts create the `regcache` system user and
# the cache folder /var/lib/regcache).
include(GNUInstallDirs)

set(REGCACHE_DEPLOY ${CMAKE_SOURCE_DIR}/deploy)
install(TARGETS regcache RUNTIME DESTINATION ${CMAKE_INSTALL_BINDIR})
install(FILES ${REGCACHE_DEPLOY}/debian/config.yml DESTINATION /etc/regcache)
install(FILES ${REGCACHE_DEPLOY}/debian/regcache.default DESTINATION /etc/default RENAME regcache)
install(FILES ${REGCACHE_DEPLOY}/systemd/regcache.service DESTINATION /lib/systemd/system)
install(FILES README.md README.zh-CN.md CHANGELOG.md DESTINATION ${CMAKE_INSTALL_DOCDIR})

set(CPACK_GENERATOR DEB)
set(CPACK_PACKAGE_NAME regcache)
set(CPACK_PACKAGE_VERSION ${PROJECT_VERSION})
set(CPACK_PACKAGE_CONTACT "regcache maintainers <regcache@localhost>")
set(CPACK_PACKAGE_DESCRIPTION_SUMMARY "pull-through cache (mirror) for container registries")
set(CPACK_PACKAGING_INSTALL_PREFIX /usr)
set(CPACK_DEBIAN_FILE_NAME DEB-DEFAULT)
set(CPACK_DEBIAN_PACKAGE_SECTION net)
set(CPACK_DEBIAN_PACKAGE_SHLIBDEPS ON)
set(CPACK_DEBIAN_PACKAGE_DEPENDS "ca-certificates, passwd")
set(CPACK_DEBIAN_PACKAGE_CONTROL_EXTRA
    ${REGCACHE_DEPLOY}/debian/postinst ${REGCACHE_DEPLOY}/debian/prerm ${REGCACHE_DEPLOY}/debian/postrm
    ${REGCACHE_DEPLOY}/debian/conffiles)  # kept on upgrade and on dpkg -r
set(CPACK_DEBIAN_PACKAGE_CONTROL_STRICT_PERMISSION ON)
include(CPack)
