#include "config.h"
#include "pp_err.h"

/* The single mapping table: status, code, description.  Keep descriptions
 * free of any request data; details go through pp_req_fail(). */
static const struct {
	int status;
	const char *code;
	const char *text;
	const char *name;
} pp_err_table[PP_ERR__MAX] = {
	[PP_OK] = {200, "ok", "Success.", "PP_OK"},
	[PP_ERR_BAD_REQUEST] = {400, "invalid_request", "The request is malformed.", "PP_ERR_BAD_REQUEST"},
	[PP_ERR_BAD_JSON] = {400, "invalid_request", "The body is not a well-formed JSON object.", "PP_ERR_BAD_JSON"},
	[PP_ERR_FIELD_UNKNOWN] = {400, "invalid_request", "The request has a field this endpoint does not accept.", "PP_ERR_FIELD_UNKNOWN"},
	[PP_ERR_FIELD_DUPLICATE] = {400, "invalid_request", "A field is given more than once.", "PP_ERR_FIELD_DUPLICATE"},
	[PP_ERR_FIELD_TOO_LONG] = {400, "invalid_request", "A field is longer than allowed.", "PP_ERR_FIELD_TOO_LONG"},
	[PP_ERR_FIELD_INVALID] = {400, "invalid_request", "A field has an invalid value.", "PP_ERR_FIELD_INVALID"},
	[PP_ERR_FIELD_MISSING] = {400, "invalid_request", "A required field is missing.", "PP_ERR_FIELD_MISSING"},
	[PP_ERR_TOO_MANY_FIELDS] = {400, "invalid_request", "The request has too many fields.", "PP_ERR_TOO_MANY_FIELDS"},
	[PP_ERR_TOO_DEEP] = {400, "invalid_request", "The JSON body is nested too deeply.", "PP_ERR_TOO_DEEP"},
	[PP_ERR_TRAILING_DATA] = {400, "invalid_request", "Unexpected data after the end of the body.", "PP_ERR_TRAILING_DATA"},
	[PP_ERR_TOKEN_INVALID] = {400, "invalid_token", "The signature activation data is not valid.", "PP_ERR_TOKEN_INVALID"},
	[PP_ERR_TOKEN_EXPIRED] = {400, "expired_token", "The signature activation data has expired.", "PP_ERR_TOKEN_EXPIRED"},
	[PP_ERR_CLIENT_CERT] = {401, "invalid_client", "A valid client certificate for this service is required.", "PP_ERR_CLIENT_CERT"},
	[PP_ERR_FORBIDDEN] = {403, "access_denied", "You are not allowed to do this.", "PP_ERR_FORBIDDEN"},
	[PP_ERR_NOT_FOUND] = {404, "not_found", "There is nothing at this address.", "PP_ERR_NOT_FOUND"},
	[PP_ERR_METHOD] = {405, "method_not_allowed", "This method is not allowed at this address.", "PP_ERR_METHOD"},
	[PP_ERR_CONFLICT] = {409, "conflict", "The request conflicts with the current state of the object.", "PP_ERR_CONFLICT"},
	[PP_ERR_BODY_TOO_LARGE] = {413, "request_too_large", "The request body is larger than allowed.", "PP_ERR_BODY_TOO_LARGE"},
	[PP_ERR_UNSUPPORTED_MEDIA] = {415, "invalid_request", "The Content-Type of the body is not accepted here.", "PP_ERR_UNSUPPORTED_MEDIA"},
	[PP_ERR_HEADERS_TOO_LARGE] = {431, "invalid_request", "The request headers are larger than allowed.", "PP_ERR_HEADERS_TOO_LARGE"},
	[PP_ERR_NOMEM] = {500, "server_error", "The service ran out of memory.", "PP_ERR_NOMEM"},
	[PP_ERR_INTERNAL] = {500, "server_error", "Internal error.", "PP_ERR_INTERNAL"},
	[PP_ERR_IO] = {500, "server_error", "Input/output error.", "PP_ERR_IO"},
	[PP_ERR_CONFIG] = {500, "server_error", "The service is misconfigured.", "PP_ERR_CONFIG"},
	[PP_ERR_TEMPLATE] = {500, "server_error", "A page could not be rendered.", "PP_ERR_TEMPLATE"},
	[PP_ERR_DB] = {503, "temporarily_unavailable", "The database is unavailable.", "PP_ERR_DB"},
	[PP_ERR_HSM] = {503, "temporarily_unavailable", "The HSM is unavailable.", "PP_ERR_HSM"},
	[PP_ERR_UNAVAILABLE] = {503, "temporarily_unavailable", "A service component is unavailable; try again later.", "PP_ERR_UNAVAILABLE"},
	[PP_ERR_PROTO] = {502, "server_error", "A service component answered incorrectly.", "PP_ERR_PROTO"},
};

static int
pp_err_valid(enum pp_err e)
{
	return (unsigned)e < PP_ERR__MAX && pp_err_table[e].code != 0;
}

int
pp_err_status(enum pp_err e)
{
	return pp_err_valid(e) ? pp_err_table[e].status : 500;
}

const char *
pp_err_code(enum pp_err e)
{
	return pp_err_valid(e) ? pp_err_table[e].code : "server_error";
}

const char *
pp_err_text(enum pp_err e)
{
	return pp_err_valid(e) ? pp_err_table[e].text : "Internal error.";
}

const char *
pp_err_name(enum pp_err e)
{
	return pp_err_valid(e) ? pp_err_table[e].name : "PP_ERR_?";
}
