/* Finding and extracting a disk's default boot entry (see pygrub.h). */
#include <errno.h>
#include <signal.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/wait.h>
#include <unistd.h>
#include "bootloader/disk_parts.h"
#include "bootloader/ext_fs.h"
#include "bootloader/grub_cfg.h"
#include "bootloader/menu_lst.h"
#include "bootloader/pygrub.h"

static const struct {
	const char *path;
	bool grub2;
} configs[] = {
	{ "/boot/grub/grub.cfg", true },
	{ "/grub/grub.cfg", true },
	{ "/boot/grub2/grub.cfg", true },
	{ "/grub2/grub.cfg", true },
	{ "/boot/grub/menu.lst", false },
	{ "/grub/menu.lst", false },
};

/* What the child hands back, in memory shared with the parent. */
struct child_result {
	int rc;
	char err[512];
	struct boot_entry entry;
	unsigned partition;
	char fstype[32];
	char config[32];
};

static bool is_ext(const char *fstype)
{
	return !strcmp(fstype, "ext2") || !strcmp(fstype, "ext3") || !strcmp(fstype, "ext4");
}

/* The configuration at path in fs parsed into r->entry: 0, -2 when it is
 * not there, -1 with r->err. */
static int read_config(struct ext_fs *fs, unsigned i, struct child_result *r)
{
	char *cfg = NULL, *env = NULL;
	size_t cfg_len, env_len = 0;
	snprintf(r->config, sizeof r->config, "%s", configs[i].path);
	int rc = ext_fs_load(fs, configs[i].path, PYGRUB_CONFIG_MAX, &cfg, &cfg_len,
			     r->err, sizeof r->err);
	if (rc)
		return rc;
	if (configs[i].grub2) {
		/* grubenv beside grub.cfg; its absence is normal. */
		char envpath[64], ignored[256];
		snprintf(envpath, sizeof envpath, "%.*s/grubenv",
			 (int)(strrchr(configs[i].path, '/') - configs[i].path),
			 configs[i].path);
		if (ext_fs_load(fs, envpath, PYGRUB_CONFIG_MAX, &env, &env_len,
				ignored, sizeof ignored))
			env = NULL, env_len = 0;
		rc = grub_cfg_choose(cfg, cfg_len, env ? env : "", env_len, &r->entry,
				     r->err, sizeof r->err);
	} else {
		rc = menu_lst_choose(cfg, cfg_len, &r->entry, r->err, sizeof r->err);
	}
	free(cfg);
	free(env);
	return rc ? -1 : 0;
}

/* The chosen entry's files into the memfds; initrds joined, each
 * starting 4-byte aligned as grub places them. */
static int extract(struct ext_fs *fs, struct child_result *r, int kernel_fd,
		   int ramdisk_fd)
{
	char err[400];
	if (ext_fs_copy(fs, r->entry.kernel, kernel_fd, PYGRUB_KERNEL_MAX, err,
			sizeof err) < 0) {
		snprintf(r->err, sizeof r->err, "kernel %s", err);
		return -1;
	}
	uint64_t total = 0;
	for (unsigned i = 0; i < r->entry.nr_initrds; i++) {
		static const char zeros[4];
		if (total % 4 && write(ramdisk_fd, zeros, 4 - total % 4) != (ssize_t)(4 - total % 4)) {
			snprintf(r->err, sizeof r->err, "writing the initrd: %s", strerror(errno));
			return -1;
		}
		total += (4 - total % 4) % 4;
		int64_t n = ext_fs_copy(fs, r->entry.initrds[i], ramdisk_fd,
					PYGRUB_RAMDISK_MAX - total, err, sizeof err);
		if (n < 0) {
			snprintf(r->err, sizeof r->err, "initrd %s", err);
			return -1;
		}
		total += (uint64_t)n;
	}
	return 0;
}

static void append_note(char *notes, size_t len, const char *fmt, unsigned part,
			const char *what)
{
	size_t have = strlen(notes);
	if (have + 2 < len) {
		snprintf(notes + have, len - have, have ? "; " : "");
		have = strlen(notes);
		snprintf(notes + have, len - have, fmt, part, what);
	}
}

static void child(const char *disk, struct child_result *r, int kernel_fd, int ramdisk_fd)
{
	static struct disk_part parts[DISK_PARTS_MAX];
	unsigned nr;
	char notes[256] = "";
	r->rc = -1;
	if (disk_parts_read(disk, parts, DISK_PARTS_MAX, &nr, r->err, sizeof r->err))
		return;
	for (unsigned p = 0; p < nr; p++) {
		if (!is_ext(parts[p].fstype)) {
			append_note(notes, sizeof notes, "partition %u: %s", parts[p].number,
				    parts[p].fstype[0] ? parts[p].fstype : "no file system");
			continue;
		}
		struct ext_fs *fs;
		char err[256];
		if (ext_fs_open(disk, parts[p].offset, &fs, err, sizeof err)) {
			append_note(notes, sizeof notes, "partition %u: %s", parts[p].number, err);
			continue;
		}
		r->partition = parts[p].number;
		snprintf(r->fstype, sizeof r->fstype, "%s", parts[p].fstype);
		int rc = -2;
		for (unsigned i = 0; rc == -2 && i < sizeof configs / sizeof configs[0]; i++)
			rc = read_config(fs, i, r);
		if (rc == 0)
			rc = extract(fs, r, kernel_fd, ramdisk_fd);
		ext_fs_close(fs);
		if (rc == 0) {
			r->rc = 0;
			return;
		}
		if (rc == -1) {
			/* The first configuration found decides, as for pygrub. */
			char why[sizeof r->err];
			snprintf(why, sizeof why, "%s", r->err);
			snprintf(r->err, sizeof r->err, "partition %u %s: %.400s", r->partition,
				 r->config, why);
			return;
		}
		append_note(notes, sizeof notes, "partition %u: %s", parts[p].number,
			    "no grub configuration");
	}
	snprintf(r->err, sizeof r->err, "no grub.cfg or menu.lst found (%s)", notes);
}

int pygrub_boot_load(const char *disk, struct pygrub_boot *out, char *err, size_t errlen)
{
	memset(out, 0, sizeof *out);
	out->kernel_fd = memfd_create("xenlet-pygrub-kernel", MFD_CLOEXEC);
	out->ramdisk_fd = memfd_create("xenlet-pygrub-ramdisk", MFD_CLOEXEC);
	struct child_result *r = mmap(NULL, sizeof *r, PROT_READ | PROT_WRITE,
				      MAP_SHARED | MAP_ANONYMOUS, -1, 0);
	if (out->kernel_fd < 0 || out->ramdisk_fd < 0 || r == MAP_FAILED) {
		snprintf(err, errlen, "pygrub: %s", strerror(errno));
		if (r != MAP_FAILED)
			munmap(r, sizeof *r);
		return -1;
	}
	r->rc = -1;
	snprintf(r->err, sizeof r->err, "the disk reader ended without an answer");
	fflush(NULL);
	pid_t pid = fork();
	if (pid == 0) {
		child(disk, r, out->kernel_fd, out->ramdisk_fd);
		_exit(0);
	}
	int status = 0;
	while (pid > 0 && waitpid(pid, &status, 0) < 0 && errno == EINTR)
		;
	int rc = -1;
	if (pid < 0)
		snprintf(err, errlen, "pygrub: fork: %s", strerror(errno));
	else if (WIFSIGNALED(status))
		snprintf(err, errlen, "pygrub: reading %s killed the disk reader (%s)",
			 disk, strsignal(WTERMSIG(status)));
	else if (r->rc)
		snprintf(err, errlen, "pygrub: %s: %s", disk, r->err);
	else
		rc = 0;
	if (!rc) {
		out->entry = r->entry;
		/* The child may have been handed a hostile file system: what
		 * it wrote is the parent's only after these are ended. */
		out->entry.title[sizeof out->entry.title - 1] = '\0';
		out->entry.kernel[sizeof out->entry.kernel - 1] = '\0';
		out->entry.args[sizeof out->entry.args - 1] = '\0';
		if (out->entry.nr_initrds > BOOT_INITRDS_MAX)
			out->entry.nr_initrds = BOOT_INITRDS_MAX;
		for (unsigned i = 0; i < BOOT_INITRDS_MAX; i++)
			out->entry.initrds[i][BOOT_PATH_MAX - 1] = '\0';
		out->partition = r->partition;
		snprintf(out->fstype, sizeof out->fstype, "%.*s", (int)sizeof r->fstype - 1,
			 r->fstype);
		snprintf(out->config, sizeof out->config, "%.*s", (int)sizeof r->config - 1,
			 r->config);
		snprintf(out->kernel_path, sizeof out->kernel_path, "/proc/self/fd/%d",
			 out->kernel_fd);
		if (out->entry.nr_initrds)
			snprintf(out->ramdisk_path, sizeof out->ramdisk_path,
				 "/proc/self/fd/%d", out->ramdisk_fd);
	}
	munmap(r, sizeof *r);
	return rc;
}

void pygrub_boot_release(struct pygrub_boot *b)
{
	if (b->kernel_fd >= 0)
		close(b->kernel_fd);
	if (b->ramdisk_fd >= 0)
		close(b->ramdisk_fd);
	b->kernel_fd = b->ramdisk_fd = -1;
}
