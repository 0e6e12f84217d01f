// SPDX-License-Identifier: MIT
/* Configuration files and directories of them, as wg-quick and linuxserver's init find them. */
#include <dirent.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include "log.h"
#include "textfile.h"
#include "wgconf.h"

static int load_file(struct wgconf_list *list, const char *path)
{
	struct wgconf c, *bigger;
	char name[IFNAMSIZ];
	char *text;
	size_t len;
	int ret;

	if (!wgconf_interface_name(name, path)) {
		pr_err("WireGuard configuration '%s': the file name must be an interface name "
		       "(1-15 of A-Z a-z 0-9 _ = + . -) followed by .conf, as wg-quick requires", path);
		return -EINVAL;
	}
	for (size_t i = 0; i < list->count; i++) {
		if (!strcmp(list->items[i].name, name)) {
			pr_err("'%s' and '%s' both configure interface %s: keep one", list->items[i].path,
			       path, name);
			return -EEXIST;
		}
	}
	ret = textfile_read(path, "WireGuard configuration", WGCONF_FILE_MAX, &text, &len);
	if (ret)
		return ret;
	ret = wgconf_parse(&c, path, text, len);
	explicit_bzero(text, len); /* it holds the private key */
	free(text);
	if (ret)
		return ret;
	bigger = reallocarray(list->items, list->count + 1, sizeof(*bigger));
	if (!bigger) {
		pr_err("out of memory for WireGuard configuration '%s'", path);
		wgconf_free(&c);
		return -ENOMEM;
	}
	list->items = bigger;
	list->items[list->count++] = c;
	return 0;
}

static int compare_names(const struct dirent **a, const struct dirent **b)
{
	return strcmp((*a)->d_name, (*b)->d_name);
}

/* Like linuxserver's loop over DIR/NAME.conf: its shell glob skips hidden files. */
static int load_dir(struct wgconf_list *list, const char *dir)
{
	const char *slash = dir[strlen(dir) - 1] == '/' ? "" : "/";
	struct dirent **entries;
	int count = scandir(dir, &entries, NULL, compare_names), ret = 0;

	if (count < 0) {
		ret = -errno;
		pr_err("cannot list WireGuard configuration directory '%s': %s", dir, strerror(-ret));
		return ret;
	}
	for (int i = 0; i < count; i++) {
		const char *file = entries[i]->d_name;
		size_t len = strlen(file);
		char path[PATH_MAX], name[IFNAMSIZ];

		if (ret || file[0] == '.' || len < 5 || strcmp(file + len - 5, ".conf"))
			continue;
		if (!wgconf_interface_name(name, file)) {
			pr_warn("ignoring '%s%s%s': its name is no interface name, so wg-quick would refuse it",
				dir, slash, file);
			continue;
		}
		if ((size_t)snprintf(path, sizeof(path), "%s%s%s", dir, slash, file) >= sizeof(path)) {
			pr_err("path of '%s' in '%s' is too long", file, dir);
			ret = -ENAMETOOLONG;
			continue;
		}
		ret = load_file(list, path);
	}
	for (int i = 0; i < count; i++)
		free(entries[i]);
	free(entries);
	return ret;
}

int wgconf_load(struct wgconf_list *list, const char *path)
{
	size_t old_count = list->count;
	struct stat st;
	int ret;

	if (stat(path, &st)) {
		ret = -errno;
		pr_err("cannot read WireGuard configuration '%s': %s", path, strerror(-ret));
		return ret;
	}
	ret = S_ISDIR(st.st_mode) ? load_dir(list, path) : load_file(list, path);
	if (ret) {
		while (list->count > old_count)
			wgconf_free(&list->items[--list->count]);
	}
	return ret;
}

void wgconf_list_free(struct wgconf_list *list)
{
	for (size_t i = 0; i < list->count; i++)
		wgconf_free(&list->items[i]);
	free(list->items);
	list->items = NULL;
	list->count = 0;
}
