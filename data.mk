# Data and scripts shipped with the sources (and in the release tarball).
EXTRA_DIST += quickstart .ci/run README.md \
	scripts/paraphe-init scripts/paraphe-supervise scripts/demo-pki scripts/hsm-init \
	nginx/paraphe.conf.in nginx/headers.conf nginx/fastcgi.conf \
	templates/head.cs templates/foot.cs templates/landing.cs templates/console_home.cs \
	templates/error.cs templates/lang/en.hdf templates/lang/fr.hdf \
	static/paraphe.css \
	etc/paraphe.conf.example \
	docs/ARCHITECTURE.md docs/OPERATIONS.md docs/CONFORMANCE.md docs/API.md \
	systemd
