# The demo pages (paraphe-demo): a demo SCA and a demo phone for the
# quickstart instance (service.demo); see demo/demo.c.
sbin_PROGRAMS += demo/paraphe-demo
demo_paraphe_demo_SOURCES = demo/demo.c
demo_paraphe_demo_LDADD = $(CORE_LIBS)
dist_templates_DATA += templates/demo_sca.cs templates/demo_result.cs templates/demo_phone.cs
dist_static_DATA += static/demo-sca.js
