/*
 * pp_err: the one error convention of Paraphe.
 *
 * Every function that can fail returns an enum pp_err (PP_OK == 0) and passes
 * results out through OUT parameters.  The table in pp_err.c is the only place
 * where an error becomes an HTTP status, a machine-readable error code
 * (OAuth 2.0 / CSC style) and a human-readable description.
 */
#ifndef PP_ERR_H
#define PP_ERR_H

enum pp_err {
	PP_OK = 0,
	/* Client errors: the request is wrong. */
	PP_ERR_BAD_REQUEST,        /* 400 generic malformed request */
	PP_ERR_BAD_JSON,           /* 400 body is not one well-formed JSON object */
	PP_ERR_FIELD_UNKNOWN,      /* 400 field not declared for the route */
	PP_ERR_FIELD_DUPLICATE,    /* 400 same field given twice */
	PP_ERR_FIELD_TOO_LONG,     /* 400 field longer than declared */
	PP_ERR_FIELD_INVALID,      /* 400 field fails its type check */
	PP_ERR_FIELD_MISSING,      /* 400 required field absent */
	PP_ERR_TOO_MANY_FIELDS,    /* 400 more fields than the limit */
	PP_ERR_TOO_DEEP,           /* 400 JSON nested deeper than the limit */
	PP_ERR_TRAILING_DATA,      /* 400 bytes after the JSON value or body */
	PP_ERR_TOKEN_INVALID,      /* 400 a SAD that does not verify (CSC invalid_token) */
	PP_ERR_TOKEN_EXPIRED,      /* 400 a SAD past its expiry (CSC expired_token) */
	PP_ERR_CLIENT_CERT,        /* 401 client certificate missing or not accepted */
	PP_ERR_FORBIDDEN,          /* 403 authenticated but not allowed */
	PP_ERR_NOT_FOUND,          /* 404 no such route or object */
	PP_ERR_METHOD,             /* 405 route exists, method does not */
	PP_ERR_CONFLICT,           /* 409 the object's state forbids the change */
	PP_ERR_BODY_TOO_LARGE,     /* 413 body over the limit */
	PP_ERR_UNSUPPORTED_MEDIA,  /* 415 wrong Content-Type */
	PP_ERR_HEADERS_TOO_LARGE,  /* 431 request parameters over the limit */
	/* Server-side errors. */
	PP_ERR_NOMEM,              /* 500 allocation failed */
	PP_ERR_INTERNAL,           /* 500 invariant broken */
	PP_ERR_IO,                 /* 500 file or socket I/O failed */
	PP_ERR_CONFIG,             /* 500 configuration invalid */
	PP_ERR_TEMPLATE,           /* 500 template missing or failed */
	PP_ERR_DB,                 /* 503 database unavailable or failed */
	PP_ERR_HSM,                /* 503 HSM/PKCS#11 failure */
	PP_ERR_UNAVAILABLE,        /* 503 a dependency (SAM, audit) is down */
	PP_ERR_PROTO,              /* 502 a peer daemon answered nonsense */
	PP_ERR__MAX
};

/* HTTP status for an error (200 for PP_OK). */
int pp_err_status(enum pp_err e);
/* Machine-readable code, e.g. "invalid_request"; never NULL. */
const char *pp_err_code(enum pp_err e);
/* English description suitable for clients; never NULL, never secret. */
const char *pp_err_text(enum pp_err e);
/* Symbolic name for logs, e.g. "PP_ERR_BAD_JSON". */
const char *pp_err_name(enum pp_err e);

#define PP_WUR __attribute__((warn_unused_result))

#endif
