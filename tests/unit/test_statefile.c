// SPDX-License-Identifier: (GPL-2.0-only OR BSD-2-Clause)
/*
 * The state file (core/statefile*.c) from one loaded program to another:
 * a ban the program made and a manual one with its note keep their time
 * left, offences, reason and flags although the second program's sg clock
 * reads something else entirely (a reboot); a remembered ban whose memory
 * ended is left out; runtime set entries come back as runtime entries;
 * and the restored ban drops its source.
 */
#include <linux/bpf.h>
#include <netinet/in.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include "harness.h"
#include "limits_common.h"
#include "core/statefile.h"

static void ban_config(struct sg_config *c)
{
	c->budget[SG_LEVEL_SOURCE][SG_BUDGET_CONN] = sg_h_budget(10, SEC, 2);
	c->ban_after = 3;
	c->ban_window_ns = 10 * SEC;
	c->ban_time_ns = 60 * SEC;
	c->ban_max_ns = 200 * SEC;
	c->ban_memory_ns = 3600 * SEC;
}

static const struct sg_ban_entry *find(const struct sg_saved_state *s,
				       const char *cidr)
{
	struct sg_cidr c;
	size_t i;

	if (sg_h_cidr(cidr, &c))
		return NULL;
	for (i = 0; i < s->n_bans; i++)
		if (!sg_cidr_cmp(&s->bans[i].cidr, &c))
			return &s->bans[i];
	return NULL;
}

/* Bans and a runtime entry in h, saved to dir. */
static bool fill_and_save(struct sg_h *h, const char *dir)
{
	struct sg_ban_spec spec = { .duration_ns = 1800 * SEC,
				    .note = "ticket 4711" };
	struct sg_cidr manual, old, entry;
	struct sg_set_change ch = { .set = SG_LIST_ALLOW, .runtime = true };
	struct sg_saved_state s;
	char err[SG_ERR_LEN];
	int i;

	ASSERT_OK(sg_h_protect(h, 0, IPPROTO_TCP, TCP_PORT, 0));
	ban_config(&h->cfg);
	ASSERT_OK(sg_h_config_write(h));
	for (i = 0; i < 5; i++)
		syn(h, "192.0.2.40"); /* 2 admitted, 3 violations: banned */
	ASSERT_OK(sg_h_cidr("198.51.100.0/24", &manual));
	ASSERT_OK(sg_ban_add(&h->st, &manual, &spec));
	/* Expired 2 h ago: past the 1 h memory at the next start. */
	ASSERT_OK(sg_h_cidr("203.0.113.0/24", &old));
	spec.note = NULL;
	spec.until_ns = h->cfg.time_offset_ns - 7200 * SEC;
	ASSERT_OK(sg_ban_add(&h->st, &old, &spec));
	ASSERT_OK(sg_h_cidr("10.9.0.0/16", &entry));
	ch.add = &entry;
	ch.n_add = 1;
	ASSERT_OK(sg_set_change(&h->st, &ch, NULL));
	ASSERT_OK(sg_saved_state_collect(&h->st, &s));
	ASSERT_EQ(s.n_bans, 3);
	ASSERT_EQ(s.n_entries, 1);
	ASSERT_OK(sg_saved_state_write(dir, &s, err, sizeof(err)));
	sg_saved_state_free(&s);
	return true;
}

SG_TEST(statefile_bans_and_entries_survive)
{
	struct sg_h h1 SG_H_AUTO = {}, h2 SG_H_AUTO = {};
	char dir[] = "/tmp/sg-statefile.XXXXXX", err[SG_ERR_LEN];
	struct sg_ban before_auto, before_manual, after;
	struct sg_restore_report rep;
	struct sg_set_item *items = NULL;
	struct sg_saved_state s;
	size_t n = 0;
	bool ok;

	ASSERT_OPEN(&h1, NULL);
	ASSERT_TRUE(mkdtemp(dir) != NULL);
	ok = fill_and_save(&h1, dir);
	ASSERT_OK(sg_h_ban_get(&h1, "192.0.2.40/32", &before_auto));
	ASSERT_OK(sg_h_ban_get(&h1, "198.51.100.0/24", &before_manual));
	ASSERT_TRUE(ok);
	/* Another program whose sg clock is 5000 s ahead: a reboot. */
	ASSERT_OPEN(&h2, NULL);
	ASSERT_OK(sg_h_protect(&h2, 0, IPPROTO_TCP, TCP_PORT, 0));
	ban_config(&h2.cfg);
	ASSERT_OK(sg_h_clock(&h2, h1.cfg.time_offset_ns + 5000 * SEC));
	ASSERT_OK(sg_saved_state_read(dir, &s, err, sizeof(err)));
	ASSERT_TRUE(find(&s, "192.0.2.40/32") && find(&s, "198.51.100.0/24"));
	ASSERT_OK(sg_saved_state_restore(&h2.st, &s, &rep));
	sg_saved_state_free(&s);
	ASSERT_EQ(rep.bans, 2);
	ASSERT_EQ(rep.bans_forgotten, 1);
	ASSERT_EQ(rep.entries, 1);
	/* Time left the same (but for the real time between the two). */
	ASSERT_OK(sg_h_ban_get(&h2, "192.0.2.40/32", &after));
	ASSERT_TRUE(after.until_ns - h2.cfg.time_offset_ns <=
		    before_auto.until_ns - h1.cfg.time_offset_ns);
	ASSERT_TRUE(after.until_ns - h2.cfg.time_offset_ns + SEC >
		    before_auto.until_ns - h1.cfg.time_offset_ns);
	ASSERT_EQ(after.offences, before_auto.offences);
	ASSERT_EQ(after.reason, SG_REASON_CONN_RATE);
	ASSERT_EQ(after.flags, before_auto.flags);
	ASSERT_OK(sg_h_ban_get(&h2, "198.51.100.0/24", &after));
	ASSERT_EQ(after.reason, SG_REASON_MANUAL);
	ASSERT_EQ(after.flags, before_manual.flags);
	ASSERT_EQ(sg_h_ban_get(&h2, "203.0.113.0/24", &after), -ENOENT);
	/* The restored ban is where the program looks. */
	ASSERT_TRUE(
		sg_h_dropped(&h2, syn(&h2, "192.0.2.40"), SG_REASON_BANNED));
	ASSERT_OK(sg_set_dump(&h2.st, SG_LIST_ALLOW, &items, &n));
	ok = n == 1 && (items[0].flags & SG_ENTRY_RUNTIME);
	free(items);
	ASSERT_TRUE(ok);
	snprintf(err, sizeof(err), "%s/" SG_STATE_FILE, dir);
	unlink(err);
	rmdir(dir);
	return true;
}

SG_TEST(statefile_not_ours_refused)
{
	char dir[] = "/tmp/sg-statefile.XXXXXX", path[64], err[SG_ERR_LEN];
	struct sg_saved_state s;
	FILE *f;

	ASSERT_TRUE(mkdtemp(dir) != NULL);
	ASSERT_EQ(sg_saved_state_read(dir, &s, err, sizeof(err)), -ENOENT);
	snprintf(path, sizeof(path), "%s/" SG_STATE_FILE, dir);
	f = fopen(path, "w");
	ASSERT_TRUE(f != NULL);
	fputs("{\"bans\": \"garbage", f);
	fclose(f);
	ASSERT_EQ(sg_saved_state_read(dir, &s, err, sizeof(err)), -EINVAL);
	ASSERT_TRUE(strstr(err, SG_STATE_FILE) != NULL);
	unlink(path);
	rmdir(dir);
	return true;
}
