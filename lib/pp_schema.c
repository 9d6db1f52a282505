#include "config.h"
#include <string.h>
#include "pp_store.h"

/*
 * Versioned schema of each trust domain.  Append only: a released migration
 * is never edited; a change is a new version.
 */
static const struct pp_migration pp_schema_web[] = {
	{1, "node identity of the web plugins",
	 "CREATE TABLE node_info (name TEXT PRIMARY KEY, value TEXT NOT NULL);"
	 "INSERT INTO node_info VALUES ('created_at', strftime('%Y-%m-%dT%H:%M:%fZ','now'));"},
	/* The signer pages (fcgi/signer/signer_session.c): a signatory's
	 * browser session, known only by the SHA-256 of its cookie, bound to
	 * one authorisation request (one session per request), with the CSRF
	 * token of its forms, the OTP sent, the OpenID Connect state, nonce and
	 * PKCE verifier, and the language; and the per-IP request counts of the
	 * current minutes (shared by every worker). */
	{2, "signer browser sessions and per-IP rate limit",
	 "CREATE TABLE browser_sessions (id BLOB PRIMARY KEY CHECK (length(id) = 32),"
	 " authz TEXT NOT NULL UNIQUE CHECK (length(authz) = 32),"
	 " csrf TEXT NOT NULL CHECK (length(csrf) = 32),"
	 " lang TEXT NOT NULL CHECK (lang IN ('en', 'fr')),"
	 " otp_id TEXT, oidc_state TEXT, oidc_nonce TEXT, oidc_verifier TEXT,"
	 " created_ms INTEGER NOT NULL, expires_ms INTEGER NOT NULL);"
	 "CREATE INDEX browser_sessions_expiry ON browser_sessions (expires_ms);"
	 "CREATE TABLE rate_hits (ip TEXT NOT NULL, minute INTEGER NOT NULL,"
	 " hits INTEGER NOT NULL, PRIMARY KEY (ip, minute));"},
	/* The notary's subject a code was sent under (sms_notary): the same
	 * notary's certificate must be there when the code is checked. */
	{3, "signer browser sessions: the notary of the code sent",
	 "ALTER TABLE browser_sessions ADD COLUMN otp_notary TEXT;"},
	/* When a worker last asked the SAM to change the request a session is
	 * bound to: the other workers' copies of that request older than this
	 * are not shown. */
	{4, "signer browser sessions: the last change of their request",
	 "ALTER TABLE browser_sessions ADD COLUMN changed_ms INTEGER NOT NULL DEFAULT 0;"},
};

static const struct pp_migration pp_schema_sam[] = {
	{1, "node identity of the SAM",
	 "CREATE TABLE node_info (name TEXT PRIMARY KEY, value TEXT NOT NULL);"
	 "INSERT INTO node_info VALUES ('created_at', strftime('%Y-%m-%dT%H:%M:%fZ','now'));"},
	/* SAD ledger (sam/sam_ledger.c): one row per SAD, one per authorised
	 * hash; a hash row only ever moves AUTHORIZED -> RESERVED -> CONSUMED,
	 * RESERVED -> AUTHORIZED (the HSM was never asked), or to BURNED
	 * (expired unused, an ambiguous HSM outcome, a crash mid-batch).
	 * batch_pos is the hash's place in its signHash batch (settle order).
	 * The triggers make the state machine hold even against a bug in the
	 * code: SADs are immutable, CONSUMED and BURNED are final, and a row
	 * never changes SAD, hash or position. */
	{2, "SAD ledger",
	 "CREATE TABLE sads (id TEXT PRIMARY KEY, signatory TEXT NOT NULL, credential TEXT NOT NULL,"
	 " sca TEXT NOT NULL, session TEXT NOT NULL, hash_algo TEXT NOT NULL,"
	 " num_signatures INTEGER NOT NULL CHECK (num_signatures > 0),"
	 " expires_ms INTEGER NOT NULL, created_ms INTEGER NOT NULL);"
	 "CREATE TABLE sad_hashes (sad TEXT NOT NULL REFERENCES sads (id), hash BLOB NOT NULL"
	 " CHECK (length(hash) IN (32, 48, 64)),"
	 " position INTEGER NOT NULL,"
	 " state TEXT NOT NULL CHECK (state IN ('AUTHORIZED', 'RESERVED', 'CONSUMED', 'BURNED')),"
	 " batch TEXT, batch_pos INTEGER,"
	 " burned_why TEXT CHECK (burned_why IN ('EXPIRED', 'INTERRUPTED', 'AMBIGUOUS')),"
	 " updated_ms INTEGER NOT NULL, PRIMARY KEY (sad, hash), UNIQUE (sad, position),"
	 " CHECK ((state = 'AUTHORIZED') = (batch IS NULL AND batch_pos IS NULL) OR state = 'BURNED'),"
	 " CHECK (state <> 'RESERVED' OR (batch IS NOT NULL AND batch_pos IS NOT NULL)),"
	 " CHECK ((state = 'BURNED') = (burned_why IS NOT NULL)));"
	 "CREATE INDEX sad_hashes_batch ON sad_hashes (batch, batch_pos);"
	 "CREATE INDEX sad_hashes_state ON sad_hashes (state);"
	 "CREATE TRIGGER sads_immutable BEFORE UPDATE ON sads"
	 " BEGIN SELECT RAISE(ABORT, 'a SAD is immutable'); END;"
	 "CREATE TRIGGER sad_hashes_transition BEFORE UPDATE ON sad_hashes"
	 " WHEN NEW.sad IS NOT OLD.sad OR NEW.hash IS NOT OLD.hash OR NEW.position IS NOT OLD.position"
	 " OR NOT ((OLD.state = 'AUTHORIZED' AND NEW.state IN ('RESERVED', 'BURNED'))"
	 " OR (OLD.state = 'RESERVED' AND NEW.state IN ('CONSUMED', 'AUTHORIZED', 'BURNED')))"
	 " BEGIN SELECT RAISE(ABORT, 'illegal SAD hash transition'); END;"
	 "CREATE TRIGGER sad_hashes_insert BEFORE INSERT ON sad_hashes"
	 " WHEN NEW.state <> 'AUTHORIZED'"
	 " BEGIN SELECT RAISE(ABORT, 'a SAD hash starts AUTHORIZED'); END;"},
	/* SMS one-time passwords (sam/sam_otp.c): only an HMAC of the code is
	 * stored; attempts and resends are counted per signatory and session.
	 * A row only ever moves from PENDING to VERIFIED, FAILED (attempts
	 * exhausted), EXPIRED or SUPERSEDED (a newer OTP for the session); the
	 * partial index keeps at most one PENDING OTP per session. */
	{3, "SMS OTP",
	 "CREATE TABLE otps (id TEXT PRIMARY KEY, signatory TEXT NOT NULL, session TEXT NOT NULL,"
	 " mac BLOB NOT NULL CHECK (length(mac) = 32), expires_ms INTEGER NOT NULL,"
	 " attempts INTEGER NOT NULL DEFAULT 0 CHECK (attempts >= 0),"
	 " state TEXT NOT NULL"
	 " CHECK (state IN ('PENDING', 'VERIFIED', 'FAILED', 'EXPIRED', 'SUPERSEDED')),"
	 " created_ms INTEGER NOT NULL, updated_ms INTEGER NOT NULL);"
	 "CREATE INDEX otps_signatory ON otps (signatory, created_ms);"
	 "CREATE INDEX otps_session ON otps (session, created_ms);"
	 "CREATE UNIQUE INDEX otps_one_pending ON otps (session) WHERE state = 'PENDING';"},	/* Enrolment and long-term credentials (sam/sam_enrol.c, sam/sam_cred.c).
	 * A signatory belongs to the SCA/PKI client that enrolled it (sca);
	 * deleting one really deletes the row (GDPR) and is refused while a
	 * credential of it is PENDING or ACTIVE.  Credentials keep their sca and
	 * signatory after the signatory is gone: a revoked certificate stays on
	 * record (no foreign key on purpose).  A credential only moves
	 * PENDING -> ACTIVE | DESTROYED, ACTIVE -> REVOKED | EXPIRED, and
	 * REVOKED | EXPIRED -> DESTROYED; an ACTIVE row always has its
	 * certificate.  ca holds the built-in CA (one row). */
	{4, "signatories, credentials and the built-in CA",
	 "CREATE TABLE signatories (id TEXT PRIMARY KEY, sca TEXT NOT NULL, given_name TEXT NOT NULL,"
	 " surname TEXT NOT NULL, country TEXT NOT NULL CHECK (length(country) = 2),"
	 " serial_number TEXT NOT NULL, mobile TEXT NOT NULL, idp_subject TEXT, evidence TEXT NOT NULL,"
	 " created_ms INTEGER NOT NULL, updated_ms INTEGER NOT NULL);"
	 "CREATE INDEX signatories_sca ON signatories (sca);"
	 "CREATE TABLE credentials (id TEXT PRIMARY KEY, signatory TEXT NOT NULL, sca TEXT NOT NULL,"
	 " key_type TEXT NOT NULL CHECK (key_type IN ('rsa3072', 'rsa4096', 'ec-p256', 'ec-p384', 'ec-p521')),"
	 " key_id TEXT NOT NULL UNIQUE CHECK (length(key_id) = 32),"
	 " state TEXT NOT NULL CHECK (state IN ('PENDING', 'ACTIVE', 'REVOKED', 'EXPIRED', 'DESTROYED')),"
	 " certificate BLOB, serial TEXT, not_before INTEGER, not_after INTEGER,"
	 " created_ms INTEGER NOT NULL, updated_ms INTEGER NOT NULL,"
	 " CHECK (state <> 'ACTIVE' OR (certificate IS NOT NULL AND serial IS NOT NULL)));"
	 "CREATE INDEX credentials_signatory ON credentials (signatory, sca);"
	 "CREATE TRIGGER credentials_transition BEFORE UPDATE OF state ON credentials"
	 " WHEN NEW.state IS NOT OLD.state AND NOT ("
	 " (OLD.state = 'PENDING' AND NEW.state IN ('ACTIVE', 'DESTROYED'))"
	 " OR (OLD.state = 'ACTIVE' AND NEW.state IN ('REVOKED', 'EXPIRED'))"
	 " OR (OLD.state IN ('REVOKED', 'EXPIRED') AND NEW.state = 'DESTROYED'))"
	 " BEGIN SELECT RAISE(ABORT, 'illegal credential transition'); END;"
	 "CREATE TABLE ca (id INTEGER PRIMARY KEY CHECK (id = 1), key_id TEXT NOT NULL,"
	 " key_type TEXT NOT NULL, certificate BLOB NOT NULL, created_ms INTEGER NOT NULL);"},
	/* External-CA credentials (sam/sam_cred.c): ca says who certifies the
	 * key.  An external credential stays PENDING with its PKCS#10 request
	 * in csr until the PKI uploads the certificate; chain holds the DER
	 * certificates the PKI sent with it (concatenated, may be NULL).  A
	 * PENDING row without csr is a creation that never finished (destroyed
	 * at start); with csr it waits for its certificate.  The index serves
	 * the expiry sweep (ACTIVE rows by not_after). */
	{5, "external-CA credentials",
	 "ALTER TABLE credentials ADD COLUMN ca TEXT NOT NULL DEFAULT 'builtin'"
	 " CHECK (ca IN ('builtin', 'external'));"
	 "ALTER TABLE credentials ADD COLUMN csr BLOB;"
	 "ALTER TABLE credentials ADD COLUMN chain BLOB;"
	 "CREATE INDEX credentials_state ON credentials (state, not_after);"},
	/* Imported legacy credentials (sam/sam_cred.c, credential.import,
	 * KEY-2): key_type may be 'rsa2048', only for a credential certified
	 * by an external CA whose certificate's notBefore is before
	 * 2025-12-31T00:00:00Z (1767139200).  SQLite cannot change a CHECK: the table is
	 * rebuilt under the same name with every row, column (in the same
	 * order), index and trigger, in this migration's transaction. */
	{6, "imported legacy RSA 2048 credentials",
	 "CREATE TABLE credentials_v6 (id TEXT PRIMARY KEY, signatory TEXT NOT NULL, sca TEXT NOT NULL,"
	 " key_type TEXT NOT NULL"
	 " CHECK (key_type IN ('rsa3072', 'rsa4096', 'ec-p256', 'ec-p384', 'ec-p521', 'rsa2048')),"
	 " key_id TEXT NOT NULL UNIQUE CHECK (length(key_id) = 32),"
	 " state TEXT NOT NULL CHECK (state IN ('PENDING', 'ACTIVE', 'REVOKED', 'EXPIRED', 'DESTROYED')),"
	 " certificate BLOB, serial TEXT, not_before INTEGER, not_after INTEGER,"
	 " created_ms INTEGER NOT NULL, updated_ms INTEGER NOT NULL,"
	 " ca TEXT NOT NULL DEFAULT 'builtin' CHECK (ca IN ('builtin', 'external')),"
	 " csr BLOB, chain BLOB,"
	 " CHECK (state <> 'ACTIVE' OR (certificate IS NOT NULL AND serial IS NOT NULL)),"
	 " CHECK (key_type <> 'rsa2048' OR (ca = 'external' AND not_before IS NOT NULL"
	 " AND not_before < 1767139200)));"
	 "INSERT INTO credentials_v6 (id, signatory, sca, key_type, key_id, state, certificate, serial,"
	 " not_before, not_after, created_ms, updated_ms, ca, csr, chain)"
	 " SELECT id, signatory, sca, key_type, key_id, state, certificate, serial,"
	 " not_before, not_after, created_ms, updated_ms, ca, csr, chain FROM credentials;"
	 "DROP TABLE credentials;"
	 "ALTER TABLE credentials_v6 RENAME TO credentials;"
	 "CREATE INDEX credentials_signatory ON credentials (signatory, sca);"
	 "CREATE INDEX credentials_state ON credentials (state, not_after);"
	 "CREATE TRIGGER credentials_transition BEFORE UPDATE OF state ON credentials"
	 " WHEN NEW.state IS NOT OLD.state AND NOT ("
	 " (OLD.state = 'PENDING' AND NEW.state IN ('ACTIVE', 'DESTROYED'))"
	 " OR (OLD.state = 'ACTIVE' AND NEW.state IN ('REVOKED', 'EXPIRED'))"
	 " OR (OLD.state IN ('REVOKED', 'EXPIRED') AND NEW.state = 'DESTROYED'))"
	 " BEGIN SELECT RAISE(ABORT, 'illegal credential transition'); END;"},
	/* Key destructions owed (sam/sam_cred.c, KEY-5): a credential closed
	 * by revocation or expiry is listed here in the transaction that
	 * closes it, and leaves the list only once its key objects are gone
	 * from the token and key.destroy is recorded; every sweep (at start,
	 * on the timer, on demand) retries what is listed. */
	{7, "key destructions owed",
	 "CREATE TABLE keys_owed (credential TEXT PRIMARY KEY REFERENCES credentials (id),"
	 " key_id TEXT NOT NULL CHECK (length(key_id) = 32), cause TEXT NOT NULL,"
	 " since_ms INTEGER NOT NULL);"},
	/* Authorisation requests (sam/sam_authz.c, docs/AUTHZ.md).  A request
	 * only moves NEW -> AUTHENTICATED -> APPROVED -> REDEEMED, or from any
	 * of the first three to CANCELLED or EXPIRED, and never changes client,
	 * signatory, credential, what is signed or its PKCE challenge; its
	 * documents never change.  The SAD waits in sad until redeemed (wiped
	 * then); the authorisation code is kept only as its SHA-256.  A code
	 * presented a second time burns the SAD's unused ledger rows, whose
	 * burned_why is then REVOKED: sad_hashes is rebuilt (SQLite cannot
	 * change a CHECK) with every row, index and trigger.  authz_jti holds
	 * the login tokens' jti until their expiry (single use). */
	{8, "authorisation requests",
	 "CREATE TABLE sad_hashes_v8 (sad TEXT NOT NULL REFERENCES sads (id), hash BLOB NOT NULL"
	 " CHECK (length(hash) IN (32, 48, 64)),"
	 " position INTEGER NOT NULL,"
	 " state TEXT NOT NULL CHECK (state IN ('AUTHORIZED', 'RESERVED', 'CONSUMED', 'BURNED')),"
	 " batch TEXT, batch_pos INTEGER,"
	 " burned_why TEXT CHECK (burned_why IN ('EXPIRED', 'INTERRUPTED', 'AMBIGUOUS', 'REVOKED')),"
	 " updated_ms INTEGER NOT NULL, PRIMARY KEY (sad, hash), UNIQUE (sad, position),"
	 " CHECK ((state = 'AUTHORIZED') = (batch IS NULL AND batch_pos IS NULL) OR state = 'BURNED'),"
	 " CHECK (state <> 'RESERVED' OR (batch IS NOT NULL AND batch_pos IS NOT NULL)),"
	 " CHECK ((state = 'BURNED') = (burned_why IS NOT NULL)));"
	 "INSERT INTO sad_hashes_v8 (sad, hash, position, state, batch, batch_pos, burned_why, updated_ms)"
	 " SELECT sad, hash, position, state, batch, batch_pos, burned_why, updated_ms FROM sad_hashes;"
	 "DROP TABLE sad_hashes;"
	 "ALTER TABLE sad_hashes_v8 RENAME TO sad_hashes;"
	 "CREATE INDEX sad_hashes_batch ON sad_hashes (batch, batch_pos);"
	 "CREATE INDEX sad_hashes_state ON sad_hashes (state);"
	 "CREATE TRIGGER sad_hashes_transition BEFORE UPDATE ON sad_hashes"
	 " WHEN NEW.sad IS NOT OLD.sad OR NEW.hash IS NOT OLD.hash OR NEW.position IS NOT OLD.position"
	 " OR NOT ((OLD.state = 'AUTHORIZED' AND NEW.state IN ('RESERVED', 'BURNED'))"
	 " OR (OLD.state = 'RESERVED' AND NEW.state IN ('CONSUMED', 'AUTHORIZED', 'BURNED')))"
	 " BEGIN SELECT RAISE(ABORT, 'illegal SAD hash transition'); END;"
	 "CREATE TRIGGER sad_hashes_insert BEFORE INSERT ON sad_hashes"
	 " WHEN NEW.state <> 'AUTHORIZED'"
	 " BEGIN SELECT RAISE(ABORT, 'a SAD hash starts AUTHORIZED'); END;"
	 "CREATE TABLE authz (id TEXT PRIMARY KEY CHECK (length(id) = 32),"
	 " mode TEXT NOT NULL CHECK (mode IN ('redirect', 'par', 'link')),"
	 " client_id TEXT NOT NULL, sca TEXT NOT NULL, signatory TEXT NOT NULL, credential TEXT NOT NULL,"
	 " hash_algo TEXT NOT NULL, num_signatures INTEGER NOT NULL CHECK (num_signatures > 0),"
	 " description TEXT, redirect_uri TEXT, state TEXT, code_challenge TEXT,"
	 " status TEXT NOT NULL CHECK (status IN ('NEW', 'AUTHENTICATED', 'APPROVED', 'REDEEMED',"
	 " 'CANCELLED', 'EXPIRED')),"
	 " otp_id TEXT, otp_notary TEXT, auth_method TEXT CHECK (auth_method IN ('sms', 'sms_notary', 'oidc')),"
	 " issuer TEXT, notary TEXT, sad_id TEXT, sad TEXT, sad_expires_ms INTEGER,"
	 " code_sha256 BLOB UNIQUE CHECK (length(code_sha256) = 32), code_expires_ms INTEGER,"
	 " created_ms INTEGER NOT NULL, expires_ms INTEGER NOT NULL, approved_ms INTEGER,"
	 " updated_ms INTEGER NOT NULL,"
	 " CHECK (mode = 'link' OR (redirect_uri IS NOT NULL AND code_challenge IS NOT NULL)),"
	 " CHECK (status NOT IN ('AUTHENTICATED', 'APPROVED', 'REDEEMED') OR auth_method IS NOT NULL),"
	 " CHECK (status NOT IN ('APPROVED', 'REDEEMED') OR (sad_id IS NOT NULL AND approved_ms IS NOT NULL)),"
	 " CHECK (status <> 'APPROVED' OR sad IS NOT NULL),"
	 " CHECK (status NOT IN ('REDEEMED', 'CANCELLED', 'EXPIRED') OR sad IS NULL));"
	 "CREATE INDEX authz_status ON authz (status, expires_ms);"
	 "CREATE TABLE authz_docs (authz TEXT NOT NULL REFERENCES authz (id), position INTEGER NOT NULL,"
	 " hash BLOB NOT NULL CHECK (length(hash) IN (32, 48, 64)), label TEXT,"
	 " PRIMARY KEY (authz, position), UNIQUE (authz, hash));"
	 "CREATE TRIGGER authz_docs_immutable BEFORE UPDATE ON authz_docs"
	 " BEGIN SELECT RAISE(ABORT, 'the documents of a request are immutable'); END;"
	 "CREATE TRIGGER authz_transition BEFORE UPDATE ON authz"
	 " WHEN NEW.id IS NOT OLD.id OR NEW.mode IS NOT OLD.mode OR NEW.client_id IS NOT OLD.client_id"
	 " OR NEW.sca IS NOT OLD.sca OR NEW.signatory IS NOT OLD.signatory"
	 " OR NEW.credential IS NOT OLD.credential OR NEW.hash_algo IS NOT OLD.hash_algo"
	 " OR NEW.num_signatures IS NOT OLD.num_signatures OR NEW.redirect_uri IS NOT OLD.redirect_uri"
	 " OR NEW.code_challenge IS NOT OLD.code_challenge OR NEW.created_ms IS NOT OLD.created_ms"
	 " OR (NEW.status IS NOT OLD.status AND NOT ("
	 " (OLD.status = 'NEW' AND NEW.status IN ('AUTHENTICATED', 'CANCELLED', 'EXPIRED'))"
	 " OR (OLD.status = 'AUTHENTICATED' AND NEW.status IN ('APPROVED', 'CANCELLED', 'EXPIRED'))"
	 " OR (OLD.status = 'APPROVED' AND NEW.status IN ('REDEEMED', 'CANCELLED', 'EXPIRED'))))"
	 " OR (OLD.status IN ('REDEEMED', 'CANCELLED', 'EXPIRED') AND NEW.sad IS NOT NULL)"
	 " BEGIN SELECT RAISE(ABORT, 'illegal authorisation request transition'); END;"
	 "CREATE TABLE authz_jti (jti TEXT PRIMARY KEY, exp_ms INTEGER NOT NULL);"},
	/* Ephemeral signing sessions (KEY-4, sam/sam_authz.c): an authorisation
	 * request in mode 'ephemeral' names a signatory and a key type; its
	 * credential is made when the signatory authenticates (credential ''
	 * until then, set once, in that transition) and its documents come
	 * afterwards (num_signatures 0 until then, set once while
	 * AUTHENTICATED).  authz is rebuilt (SQLite cannot change a CHECK)
	 * with every row, index and trigger, and authz_docs with it (it refers
	 * to authz: the copy refers to the new table, whose renaming carries
	 * the reference along). */
	{9, "ephemeral signing sessions",
	 "CREATE TABLE authz_v9 (id TEXT PRIMARY KEY CHECK (length(id) = 32),"
	 " mode TEXT NOT NULL CHECK (mode IN ('redirect', 'par', 'link', 'ephemeral')),"
	 " client_id TEXT NOT NULL, sca TEXT NOT NULL, signatory TEXT NOT NULL, credential TEXT NOT NULL,"
	 " hash_algo TEXT NOT NULL, num_signatures INTEGER NOT NULL CHECK (num_signatures >= 0),"
	 " description TEXT, redirect_uri TEXT, state TEXT, code_challenge TEXT,"
	 " status TEXT NOT NULL CHECK (status IN ('NEW', 'AUTHENTICATED', 'APPROVED', 'REDEEMED',"
	 " 'CANCELLED', 'EXPIRED')),"
	 " otp_id TEXT, otp_notary TEXT, auth_method TEXT CHECK (auth_method IN ('sms', 'sms_notary', 'oidc')),"
	 " issuer TEXT, notary TEXT, sad_id TEXT, sad TEXT, sad_expires_ms INTEGER,"
	 " code_sha256 BLOB UNIQUE CHECK (length(code_sha256) = 32), code_expires_ms INTEGER,"
	 " created_ms INTEGER NOT NULL, expires_ms INTEGER NOT NULL, approved_ms INTEGER,"
	 " updated_ms INTEGER NOT NULL, key_type TEXT,"
	 " CHECK (mode IN ('link', 'ephemeral') OR (redirect_uri IS NOT NULL AND code_challenge IS NOT NULL)),"
	 " CHECK ((mode = 'ephemeral') = (key_type IS NOT NULL)),"
	 " CHECK (num_signatures > 0 OR (mode = 'ephemeral' AND status IN ('NEW', 'AUTHENTICATED', 'CANCELLED',"
	 " 'EXPIRED'))),"
	 " CHECK (credential <> '' OR (mode = 'ephemeral' AND status IN ('NEW', 'CANCELLED', 'EXPIRED'))),"
	 " CHECK (status NOT IN ('AUTHENTICATED', 'APPROVED', 'REDEEMED') OR auth_method IS NOT NULL),"
	 " CHECK (status NOT IN ('APPROVED', 'REDEEMED') OR (sad_id IS NOT NULL AND approved_ms IS NOT NULL)),"
	 " CHECK (status <> 'APPROVED' OR sad IS NOT NULL),"
	 " CHECK (status NOT IN ('REDEEMED', 'CANCELLED', 'EXPIRED') OR sad IS NULL));"
	 "INSERT INTO authz_v9 (id, mode, client_id, sca, signatory, credential, hash_algo, num_signatures,"
	 " description, redirect_uri, state, code_challenge, status, otp_id, otp_notary, auth_method, issuer,"
	 " notary, sad_id, sad, sad_expires_ms, code_sha256, code_expires_ms, created_ms, expires_ms,"
	 " approved_ms, updated_ms)"
	 " SELECT id, mode, client_id, sca, signatory, credential, hash_algo, num_signatures,"
	 " description, redirect_uri, state, code_challenge, status, otp_id, otp_notary, auth_method, issuer,"
	 " notary, sad_id, sad, sad_expires_ms, code_sha256, code_expires_ms, created_ms, expires_ms,"
	 " approved_ms, updated_ms FROM authz;"
	 "CREATE TABLE authz_docs_v9 (authz TEXT NOT NULL REFERENCES authz_v9 (id), position INTEGER NOT NULL,"
	 " hash BLOB NOT NULL CHECK (length(hash) IN (32, 48, 64)), label TEXT,"
	 " PRIMARY KEY (authz, position), UNIQUE (authz, hash));"
	 "INSERT INTO authz_docs_v9 (authz, position, hash, label) SELECT authz, position, hash, label"
	 " FROM authz_docs;"
	 "DROP TABLE authz_docs;"
	 "DROP TABLE authz;"
	 "ALTER TABLE authz_v9 RENAME TO authz;"
	 "ALTER TABLE authz_docs_v9 RENAME TO authz_docs;"
	 "CREATE TRIGGER authz_docs_immutable BEFORE UPDATE ON authz_docs"
	 " BEGIN SELECT RAISE(ABORT, 'the documents of a request are immutable'); END;"
	 "CREATE INDEX authz_status ON authz (status, expires_ms);"
	 "CREATE INDEX authz_ephemeral ON authz (credential) WHERE mode = 'ephemeral';"
	 "CREATE TRIGGER authz_transition BEFORE UPDATE ON authz"
	 " WHEN NEW.id IS NOT OLD.id OR NEW.mode IS NOT OLD.mode OR NEW.client_id IS NOT OLD.client_id"
	 " OR NEW.sca IS NOT OLD.sca OR NEW.signatory IS NOT OLD.signatory OR NEW.key_type IS NOT OLD.key_type"
	 " OR NEW.redirect_uri IS NOT OLD.redirect_uri"
	 " OR NEW.code_challenge IS NOT OLD.code_challenge OR NEW.created_ms IS NOT OLD.created_ms"
	 " OR (NEW.credential IS NOT OLD.credential AND NOT (OLD.mode = 'ephemeral' AND OLD.credential = ''"
	 " AND OLD.status = 'NEW' AND NEW.status = 'AUTHENTICATED'))"
	 " OR ((NEW.hash_algo IS NOT OLD.hash_algo OR NEW.num_signatures IS NOT OLD.num_signatures)"
	 " AND NOT (OLD.mode = 'ephemeral' AND OLD.num_signatures = 0 AND OLD.status = 'AUTHENTICATED'"
	 " AND NEW.status = 'AUTHENTICATED'))"
	 " OR (NEW.status IS NOT OLD.status AND NOT ("
	 " (OLD.status = 'NEW' AND NEW.status IN ('AUTHENTICATED', 'CANCELLED', 'EXPIRED'))"
	 " OR (OLD.status = 'AUTHENTICATED' AND NEW.status IN ('APPROVED', 'CANCELLED', 'EXPIRED'))"
	 " OR (OLD.status = 'APPROVED' AND NEW.status IN ('REDEEMED', 'CANCELLED', 'EXPIRED'))))"
	 " OR (OLD.status IN ('REDEEMED', 'CANCELLED', 'EXPIRED') AND NEW.sad IS NOT NULL)"
	 " BEGIN SELECT RAISE(ABORT, 'illegal authorisation request transition'); END;"},
	/* The state in which a request was last recorded as shown to the
	 * signatory: authz.get records the first showing in each state, not
	 * every page view. */
	{10, "authorisation requests: the state last recorded as shown",
	 "ALTER TABLE authz ADD COLUMN shown_status TEXT;"},
	/* Cessation of service (SEC-7, sam/sam_staff.c): one row once a
	 * staff.cessation has begun, never removed or changed (the triggers):
	 * from then on the SAM makes no credential, SAD or signature, at
	 * every start too.  Algorithms withdrawn by staff (SEC-6): one row per
	 * key type or hash, with the notice SCAs read; final too.  Clients the
	 * console registered (sam/sam_client.h, "Console entries"): the entry
	 * as JSON, checked again at every start, with who decided it. */
	{11, "cessation of service, algorithm withdrawals, console clients",
	 "CREATE TABLE service_state (id INTEGER PRIMARY KEY CHECK (id = 1), ceased_ms INTEGER NOT NULL,"
	 " approver TEXT NOT NULL, proposer TEXT NOT NULL, proposal TEXT NOT NULL, reason TEXT NOT NULL,"
	 " CHECK (approver <> proposer));"
	 "CREATE TRIGGER service_state_final_u BEFORE UPDATE ON service_state"
	 " BEGIN SELECT RAISE(ABORT, 'a cessation is final'); END;"
	 "CREATE TRIGGER service_state_final_d BEFORE DELETE ON service_state"
	 " BEGIN SELECT RAISE(ABORT, 'a cessation is final'); END;"
	 "CREATE TABLE algo_withdrawals (algo TEXT PRIMARY KEY, withdrawn_ms INTEGER NOT NULL,"
	 " notice TEXT NOT NULL CHECK (length(notice) BETWEEN 1 AND 512), approver TEXT NOT NULL,"
	 " proposer TEXT NOT NULL, proposal TEXT NOT NULL, CHECK (approver <> proposer));"
	 "CREATE TRIGGER algo_withdrawals_final_u BEFORE UPDATE ON algo_withdrawals"
	 " BEGIN SELECT RAISE(ABORT, 'a withdrawal is final'); END;"
	 "CREATE TRIGGER algo_withdrawals_final_d BEFORE DELETE ON algo_withdrawals"
	 " BEGIN SELECT RAISE(ABORT, 'a withdrawal is final'); END;"
	 "CREATE TABLE clients (id TEXT PRIMARY KEY, entry TEXT NOT NULL, created_ms INTEGER NOT NULL,"
	 " updated_ms INTEGER NOT NULL, approver TEXT NOT NULL, proposer TEXT NOT NULL, proposal TEXT NOT NULL,"
	 " CHECK (approver <> proposer));"},
};

static const struct pp_migration pp_schema_audit[] = {
	{1, "node identity of the audit store",
	 "CREATE TABLE node_info (name TEXT PRIMARY KEY, value TEXT NOT NULL);"
	 "INSERT INTO node_info VALUES ('created_at', strftime('%Y-%m-%dT%H:%M:%fZ','now'));"},
	/* records.record holds the canonical bytes that are hashed; the other
	 * columns are copies for queries (the console's audit review).  The
	 * tree state (size, frontier) changes in the same transaction as the
	 * records, so the two can never disagree after a crash. */
	{2, "tamper-evident audit log",
	 "CREATE TABLE records (seq INTEGER PRIMARY KEY, time TEXT NOT NULL, type TEXT NOT NULL,"
	 " outcome TEXT NOT NULL, actor TEXT NOT NULL, record BLOB NOT NULL);"
	 "CREATE INDEX records_time ON records (time);"
	 "CREATE INDEX records_type ON records (type, time);"
	 "CREATE TABLE log_state (id INTEGER PRIMARY KEY CHECK (id = 1), origin TEXT NOT NULL,"
	 " tree_size INTEGER NOT NULL, frontier BLOB NOT NULL, forwarded INTEGER NOT NULL,"
	 " params TEXT NOT NULL);"
	 "CREATE TABLE checkpoints (id INTEGER PRIMARY KEY, tree_size INTEGER NOT NULL,"
	 " root BLOB NOT NULL, frontier BLOB NOT NULL, note TEXT NOT NULL, time TEXT NOT NULL,"
	 " reason TEXT NOT NULL);"
	 "CREATE TABLE segments (number INTEGER PRIMARY KEY, first_seq INTEGER NOT NULL,"
	 " last_seq INTEGER NOT NULL, manifest_sha256 TEXT NOT NULL, frontier BLOB NOT NULL,"
	 " time TEXT NOT NULL, timestamped INTEGER NOT NULL);"},
};

/* The staff console (admin/, issue #6).  Its own trust domain: a web
 * plugin's compromise must not reach staff accounts, and the console's
 * state is not the signer's. */
static const struct pp_migration pp_schema_admin[] = {
	{1, "node identity of the console store",
	 "CREATE TABLE node_info (name TEXT PRIMARY KEY, value TEXT NOT NULL);"
	 "INSERT INTO node_info VALUES ('created_at', strftime('%Y-%m-%dT%H:%M:%fZ','now'));"},
	/* Staff accounts (admin/admin_staff.c): one named person each (ROLE-3),
	 * bound to one client certificate of the staff CA by its SHA-256, with
	 * the TOTP secret of the second factor (ROLE-4; NULL until enrolled),
	 * the last time step accepted (a code is never accepted twice) and the
	 * lockout counters.  staff_roles holds the trust roles; the triggers
	 * refuse the combinations ROLE-2 forbids whatever writes the row (the
	 * console, the CLI ceremony, a hand-typed INSERT), and a role row is
	 * never updated (revoke = delete, grant = insert). */
	{2, "staff accounts, trust roles, sessions",
	 "CREATE TABLE staff (id TEXT PRIMARY KEY CHECK (length(id) = 32),"
	 " name TEXT NOT NULL UNIQUE CHECK (length(name) BETWEEN 1 AND 128),"
	 " cert_sha256 TEXT NOT NULL UNIQUE CHECK (length(cert_sha256) = 64),"
	 " cert_subject TEXT NOT NULL,"
	 " status TEXT NOT NULL CHECK (status IN ('active', 'disabled')),"
	 " totp_secret BLOB CHECK (totp_secret IS NULL OR length(totp_secret) = 20),"
	 " totp_pending BLOB CHECK (totp_pending IS NULL OR length(totp_pending) = 20),"
	 " totp_last_step INTEGER NOT NULL DEFAULT 0,"
	 " failures INTEGER NOT NULL DEFAULT 0, locked_until_ms INTEGER NOT NULL DEFAULT 0,"
	 " created_ms INTEGER NOT NULL, created_by TEXT NOT NULL, present TEXT NOT NULL DEFAULT '');"
	 "CREATE TABLE staff_roles (staff TEXT NOT NULL REFERENCES staff (id),"
	 " role TEXT NOT NULL CHECK (role IN ('security_manager', 'application_manager',"
	 "  'system_engineer', 'operator', 'controller', 'share_holder')),"
	 " granted_ms INTEGER NOT NULL, granted_by TEXT NOT NULL, PRIMARY KEY (staff, role));"
	 "CREATE TRIGGER staff_roles_role2 BEFORE INSERT ON staff_roles"
	 " WHEN (NEW.role = 'controller' AND EXISTS (SELECT 1 FROM staff_roles WHERE staff = NEW.staff))"
	 "  OR EXISTS (SELECT 1 FROM staff_roles WHERE staff = NEW.staff AND role = 'controller')"
	 "  OR (NEW.role = 'security_manager' AND EXISTS (SELECT 1 FROM staff_roles"
	 "      WHERE staff = NEW.staff AND role IN ('system_engineer', 'operator')))"
	 "  OR (NEW.role IN ('system_engineer', 'operator') AND EXISTS (SELECT 1 FROM staff_roles"
	 "      WHERE staff = NEW.staff AND role = 'security_manager'))"
	 "  OR (NEW.role = 'system_engineer' AND EXISTS (SELECT 1 FROM staff_roles"
	 "      WHERE staff = NEW.staff AND role = 'operator'))"
	 "  OR (NEW.role = 'operator' AND EXISTS (SELECT 1 FROM staff_roles"
	 "      WHERE staff = NEW.staff AND role = 'system_engineer'))"
	 " BEGIN SELECT RAISE(ABORT, 'ROLE-2: this combination of trust roles is forbidden'); END;"
	 "CREATE TRIGGER staff_roles_no_update BEFORE UPDATE ON staff_roles"
	 " BEGIN SELECT RAISE(ABORT, 'staff roles are granted or revoked, never changed'); END;"
	 /* Sessions: known by the SHA-256 of the cookie, bound to the
	  * certificate that opened them. */
	 "CREATE TABLE staff_sessions (id BLOB PRIMARY KEY CHECK (length(id) = 32),"
	 " staff TEXT NOT NULL REFERENCES staff (id), cert_sha256 TEXT NOT NULL,"
	 " csrf TEXT NOT NULL CHECK (length(csrf) = 32),"
	 " created_ms INTEGER NOT NULL, last_ms INTEGER NOT NULL);"
	 "CREATE INDEX staff_sessions_staff ON staff_sessions (staff);"},
	/* Dual control (admin/admin_dual.c, ROLE-5): a proposal is made by one
	 * person and takes effect only when another authorised person approves
	 * it before it expires.  The CHECK makes "approved by the proposer"
	 * impossible in the table itself.  'approving' is the claim an approver
	 * takes before carrying the change out (one approver only, even with
	 * several workers); it ends approved or failed, and a decided proposal
	 * never changes again. */
	{3, "dual-control proposals",
	 "CREATE TABLE proposals (id TEXT PRIMARY KEY CHECK (length(id) = 32),"
	 " kind TEXT NOT NULL, payload TEXT NOT NULL, summary TEXT NOT NULL,"
	 " proposer TEXT NOT NULL REFERENCES staff (id), proposer_name TEXT NOT NULL,"
	 " proposer_roles TEXT NOT NULL,"
	 " created_ms INTEGER NOT NULL, expires_ms INTEGER NOT NULL,"
	 " status TEXT NOT NULL CHECK (status IN ('pending', 'approving', 'approved', 'rejected',"
	 "  'expired', 'failed')),"
	 " decider TEXT REFERENCES staff (id), decider_name TEXT, decided_ms INTEGER, result TEXT,"
	 " CHECK (decider IS NULL OR decider <> proposer));"
	 "CREATE INDEX proposals_status ON proposals (status, created_ms);"
	 "CREATE TRIGGER proposals_final BEFORE UPDATE ON proposals"
	 " WHEN OLD.status NOT IN ('pending', 'approving')"
	 "  OR (OLD.status = 'approving' AND NEW.status NOT IN ('approved', 'failed'))"
	 " BEGIN SELECT RAISE(ABORT, 'a decided proposal is final'); END;"
	 /* Console parameters of the audit review (working hours, business
	  * days, allowed countries, anomaly thresholds): changed only through
	  * an approved proposal. */
	 "CREATE TABLE params (name TEXT PRIMARY KEY, value TEXT NOT NULL,"
	 " changed_ms INTEGER NOT NULL, changed_by TEXT NOT NULL);"},
	/* Audit review sign-offs (admin/admin_review.c, AUD-6): the daily
	 * review of failed attempts, the fortnightly analysis and the monthly
	 * reconciliation, each for one period, with the report as it was
	 * signed.  Archive integrity checks (admin/admin_archive.c, ARC-3)
	 * with their reports. */
	{4, "audit reviews and archive checks",
	 "CREATE TABLE reviews (id INTEGER PRIMARY KEY,"
	 " kind TEXT NOT NULL CHECK (kind IN ('daily', 'fortnightly', 'monthly')),"
	 " period_start TEXT NOT NULL, period_end TEXT NOT NULL,"
	 " reviewer TEXT NOT NULL REFERENCES staff (id), reviewer_name TEXT NOT NULL,"
	 " signed_ms INTEGER NOT NULL, comment TEXT NOT NULL, report TEXT NOT NULL,"
	 " findings INTEGER NOT NULL DEFAULT 0, UNIQUE (kind, period_start));"
	 "CREATE TRIGGER reviews_final BEFORE UPDATE ON reviews"
	 " BEGIN SELECT RAISE(ABORT, 'a signed review is final'); END;"
	 "CREATE TABLE archive_checks (id INTEGER PRIMARY KEY, staff TEXT NOT NULL REFERENCES staff (id),"
	 " staff_name TEXT NOT NULL, started_ms INTEGER NOT NULL, finished_ms INTEGER NOT NULL,"
	 " complete INTEGER NOT NULL, seg_from INTEGER NOT NULL, seg_to INTEGER NOT NULL,"
	 " result TEXT NOT NULL, report TEXT NOT NULL);"},
};

#define PP_N(a) (sizeof(a) / sizeof((a)[0]))

const struct pp_migration *
pp_schema_migrations(const char *domain, size_t *n)
{
	if (strcmp(domain, "web") == 0) {
		*n = PP_N(pp_schema_web);
		return pp_schema_web;
	}
	if (strcmp(domain, "sam") == 0) {
		*n = PP_N(pp_schema_sam);
		return pp_schema_sam;
	}
	if (strcmp(domain, "admin") == 0) {
		*n = PP_N(pp_schema_admin);
		return pp_schema_admin;
	}
	if (strcmp(domain, "audit") == 0) {
		*n = PP_N(pp_schema_audit);
		return pp_schema_audit;
	}
	*n = 0;
	return NULL;
}
