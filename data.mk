# Data installed with the programs, and files shipped in the release tarball.
templatesdir = $(pkgdatadir)/templates
dist_templates_DATA = templates/head.cs templates/foot.cs templates/landing.cs \
	templates/console_home.cs templates/error.cs templates/sign.cs templates/sign_request.cs \
	templates/sign_cancel.cs templates/otp.cs templates/approve.cs templates/done.cs \
	templates/cancelled.cs $(CONSOLE_TEMPLATES)
langdir = $(pkgdatadir)/templates/lang
dist_lang_DATA = templates/lang/en.hdf templates/lang/fr.hdf
staticdir = $(pkgdatadir)/static
dist_static_DATA = static/paraphe.css
nginxdir = $(pkgdatadir)/nginx
dist_nginx_DATA = nginx/paraphe.conf.in nginx/headers.conf nginx/fastcgi.conf
systemddir = $(pkgdatadir)/systemd
dist_systemd_DATA = systemd/paraphe-auditd.service systemd/paraphe-samd.service \
	systemd/paraphe-signer.service systemd/paraphe-signer.socket \
	systemd/paraphe-sca.service systemd/paraphe-sca.socket \
	systemd/paraphe-admin.service systemd/paraphe-admin.socket \
	systemd/paraphe.target systemd/paraphe.tmpfiles systemd/paraphe.sysusers
dist_doc_DATA = README.md docs/ARCHITECTURE.md docs/OPERATIONS.md docs/CONFORMANCE.md \
	docs/API.md docs/SECURITY.md docs/AUDIT.md docs/PERFORMANCE.md docs/AUTHZ.md docs/AUDIT-SEARCH.md docs/CONSOLE.md docs/REVIEW.md docs/ARCHIVE-CHECKS.md \
	etc/paraphe.conf.example

# The demo and test tooling: shipped in the tarball, not installed.
EXTRA_DIST += quickstart .ci/run \
	scripts/paraphe-init scripts/paraphe-supervise scripts/demo-pki scripts/hsm-init scripts/demo-enrol
