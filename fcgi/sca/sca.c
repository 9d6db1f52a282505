/*
 * paraphe-sca: the SCA-facing API (CSC API v2) on the SCA listener, behind
 * mutual TLS with the SCA CA.  Here: info.
 */
#include "config.h"
#include <string.h>
#include <strings.h>
#include "pp_core.h"
#include "pp_http.h"

/* CSC API version implemented, and the methods actually served.  Only what
 * works is advertised: an SCA must never discover a method by failure. */
#define SCA_CSC_SPECS "2.0.0.2"
static const char *const sca_methods[] = { "info", NULL };

enum { SCA_INFO_LANG, SCA_INFO__MAX };
static const struct pp_field sca_info_fields[SCA_INFO__MAX] = {
	/* RFC 5646 tag such as "en-US"; the document is only in English and
	 * French, chosen from the primary subtag. */
	[SCA_INFO_LANG] = { "lang", PP_FIELD_TOKEN, 35, 0, 0, 0, NULL },
};

static enum pp_err
sca_info(struct pp_req *req)
{
	const struct pp_conf *conf = req->ctx->conf;
	json_object *doc = json_object_new_object(), *a;
	const struct pp_value *lang = &req->val[SCA_INFO_LANG];
	const char *l = lang->set && (lang->len == 2 || (lang->len > 2 && lang->s[2] == '-')) &&
	    strncasecmp(lang->s, "fr", 2) == 0 ? "fr" : "en";

	if (doc == NULL)
		return PP_ERR_NOMEM;
	if (pp_json_add_str(doc, "specs", SCA_CSC_SPECS) != PP_OK ||
	    pp_json_add_str(doc, "name", pp_conf_str(conf, "sca", "service_name")) != PP_OK ||
	    pp_json_add_str(doc, "logo", pp_conf_str(conf, "sca", "logo_url")) != PP_OK ||
	    pp_json_add_str(doc, "region", pp_conf_str(conf, "sca", "region")) != PP_OK ||
	    pp_json_add_str(doc, "lang", strcmp(l, "fr") == 0 ? "fr-FR" : "en-US") != PP_OK ||
	    pp_json_add_str(doc, "description", pp_conf_str(conf, "sca", "description")) != PP_OK)
		goto nomem;
	/* The SCA authenticates with its TLS client certificate. */
	if ((a = json_object_new_array()) == NULL)
		goto nomem;
	json_object_object_add(doc, "authType", a);
	if (json_object_array_add(a, json_object_new_string("TLS")) != 0)
		goto nomem;
	if ((a = json_object_new_array()) == NULL)
		goto nomem;
	json_object_object_add(doc, "methods", a);
	for (const char *const *m = sca_methods; *m; m++)
		if (json_object_array_add(a, json_object_new_string(*m)) != 0)
			goto nomem;
	return pp_reply_json(req, 200, doc);
nomem:
	json_object_put(doc);
	return PP_ERR_NOMEM;
}

static const struct pp_route sca_routes[] = {
	{ PP_GET | PP_POST, "/csc/v2/info", sca_info, PP_BODY_JSON, sca_info_fields, SCA_INFO__MAX },
};

static const struct pp_app sca_app = {
	.name = "sca",
	.out = PP_OUT_JSON,
	.cert = PP_CERT_REQUIRED,
	.deps = PP_DEP_SAM | PP_DEP_AUDIT,
	.routes = sca_routes,
	.nroutes = sizeof(sca_routes) / sizeof(sca_routes[0]),
};

int
main(int argc, char **argv)
{
	return pp_http_main(&sca_app, argc, argv);
}
