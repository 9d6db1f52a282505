/*
 * admin_tar: the ustar writer of the archive export (admin_tar.h).
 */
#include "config.h"
#include <stdio.h>
#include <string.h>
#include "admin_tar.h"
#include "pp_mem.h"

void
admin_tar_init(struct admin_tar *t, size_t max)
{
	memset(t, 0, sizeof(*t));
	t->max = max;
}

void
admin_tar_free(struct admin_tar *t)
{
	if (t == NULL)
		return;
	pp_free(t->buf);
	t->buf = NULL;
	t->len = t->cap = 0;
}

int
admin_tar_name_ok(const char *name)
{
	size_t n = strlen(name), comp = 0;

	if (n == 0 || n > ADMIN_TAR_NAME_MAX || name[0] == '/' || name[n - 1] == '/')
		return 0;
	for (size_t i = 0; i <= n; i++) {
		char c = name[i];
		if (c == '/' || c == '\0') {
			/* Empty, "." and ".." components would let a name
			 * climb out of the extraction directory. */
			if (comp == 0 || (comp == 1 && name[i - 1] == '.') ||
			    (comp == 2 && name[i - 1] == '.' && name[i - 2] == '.'))
				return 0;
			comp = 0;
			continue;
		}
		if (!((c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') ||
		    c == '.' || c == '_' || c == '-'))
			return 0;
		comp++;
	}
	return 1;
}

size_t
admin_tar_entry_size(size_t len)
{
	return ADMIN_TAR_BLOCK + (len + ADMIN_TAR_BLOCK - 1) / ADMIN_TAR_BLOCK * ADMIN_TAR_BLOCK;
}

/* Room for n more bytes within max, zero-filled. */
static enum pp_err
admin_tar_grow(struct admin_tar *t, size_t n, char **at)
{
	if (n > t->max || t->len > t->max - n)
		return PP_ERR_BODY_TOO_LARGE;
	if (t->len + n > t->cap) {
		size_t cap = t->cap ? t->cap : 64 * 1024;
		char *b;
		while (cap < t->len + n)
			cap = cap > t->max / 2 ? t->max : cap * 2;
		if ((b = pp_realloc(t->buf, cap)) == NULL)
			return PP_ERR_NOMEM;
		t->buf = b;
		t->cap = cap;
	}
	*at = t->buf + t->len;
	memset(*at, 0, n);
	t->len += n;
	return PP_OK;
}

/* Octal number in a field of w bytes: w-1 digits then NUL. */
static void
admin_tar_octal(char *f, size_t w, uint64_t v)
{
	for (size_t i = w - 1; i-- > 0; v >>= 3)
		f[i] = (char)('0' + (v & 7));
	f[w - 1] = '\0';
}

static enum pp_err
admin_tar_entry(struct admin_tar *t, const char *name, char type, const void *data, size_t len,
    int64_t mtime)
{
	char *h;
	unsigned sum = 0;
	enum pp_err rc;

	if (!admin_tar_name_ok(name) || mtime < 0)
		return PP_ERR_FIELD_INVALID;
	if ((rc = admin_tar_grow(t, admin_tar_entry_size(len), &h)) != PP_OK)
		return rc;
	memcpy(h, name, strlen(name));			/* name[100], NUL-padded */
	admin_tar_octal(h + 100, 8, type == '5' ? 0755 : 0644);	/* mode */
	admin_tar_octal(h + 108, 8, 0);			/* uid */
	admin_tar_octal(h + 116, 8, 0);			/* gid */
	admin_tar_octal(h + 124, 12, len);		/* size */
	admin_tar_octal(h + 136, 12, (uint64_t)mtime);	/* mtime */
	memset(h + 148, ' ', 8);			/* chksum, counted as spaces */
	h[156] = type;					/* typeflag */
	memcpy(h + 257, "ustar", 6);			/* magic "ustar\0" */
	memcpy(h + 263, "00", 2);			/* version */
	memcpy(h + 265, "root", 4);			/* uname */
	memcpy(h + 297, "root", 4);			/* gname */
	for (size_t i = 0; i < ADMIN_TAR_BLOCK; i++)
		sum += (unsigned char)h[i];
	admin_tar_octal(h + 148, 7, sum);		/* six digits, NUL, then the space */
	h[155] = ' ';
	if (len)
		memcpy(h + ADMIN_TAR_BLOCK, data, len);
	return PP_OK;
}

enum pp_err
admin_tar_dir(struct admin_tar *t, const char *name, int64_t mtime)
{
	return admin_tar_entry(t, name, '5', NULL, 0, mtime);
}

enum pp_err
admin_tar_file(struct admin_tar *t, const char *name, const void *data, size_t len, int64_t mtime)
{
	return admin_tar_entry(t, name, '0', data, len, mtime);
}

enum pp_err
admin_tar_finish(struct admin_tar *t)
{
	char *z;

	return admin_tar_grow(t, 2 * ADMIN_TAR_BLOCK, &z);
}
