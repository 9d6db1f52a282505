/*
 * admin_tar: a small ustar (POSIX.1-1988) writer for the console's archive
 * export (ARC-4): regular files and directories only, built in memory up
 * to a fixed bound, so that the whole download is known before the export
 * is recorded and answered.
 *
 * Names are relative paths of at most ADMIN_TAR_NAME_MAX bytes made of
 * [A-Za-z0-9._-] components separated by single '/', none of them "." or
 * "..": nothing in the archive can escape the directory it is extracted
 * into, and no name needs the ustar prefix field.  Entries carry mode 0644
 * (files) or 0755 (directories), owner 0/0 and the given mtime.
 */
#ifndef ADMIN_TAR_H
#define ADMIN_TAR_H

#include <stddef.h>
#include <stdint.h>
#include "pp_err.h"

#define ADMIN_TAR_BLOCK 512
#define ADMIN_TAR_NAME_MAX 99

struct admin_tar {
	char *buf;		/* pp_malloc'd; owned until admin_tar_free */
	size_t len, cap;
	size_t max;		/* bound of the whole archive, end blocks included */
};

/* An empty archive that may grow to max bytes (at least 3 blocks). */
void admin_tar_init(struct admin_tar *t, size_t max);
/* Frees the buffer; the archive is empty again.  NULL is a no-op. */
void admin_tar_free(struct admin_tar *t);
/* 1 when name is acceptable (rules above), else 0. */
int admin_tar_name_ok(const char *name);
/* The bytes an entry of len data bytes takes (header and padding). */
size_t admin_tar_entry_size(size_t len);
/* Appends a directory entry (name without trailing '/').
 * PP_ERR_FIELD_INVALID: bad name; PP_ERR_BODY_TOO_LARGE: over max. */
enum pp_err admin_tar_dir(struct admin_tar *t, const char *name, int64_t mtime) PP_WUR;
/* Appends a regular file with data[0..len); same errors. */
enum pp_err admin_tar_file(struct admin_tar *t, const char *name, const void *data, size_t len,
    int64_t mtime) PP_WUR;
/* Appends the two zero blocks that end an archive. */
enum pp_err admin_tar_finish(struct admin_tar *t) PP_WUR;

#endif
