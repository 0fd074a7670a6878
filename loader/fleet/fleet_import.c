// SPDX-License-Identifier: (GPL-2.0-only OR BSD-2-Clause)
/*
 * Bans from the fleet into this gateway's ban map: the announcements on
 * the channel, and the snapshot read at every (re)connect. Whatever Redis
 * says is checked first: a malformed record, a prefix shorter than the
 * configured minimum, or more than the import rate from one gateway is
 * refused and counted. The allowlist still comes first in the XDP program,
 * so no imported ban can drop an allowlisted source.
 */
#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <hiredis/hiredis.h>
#include "fleet_int.h"

#define NS_PER_MS  1000000ULL
#define SG_MS_MAX  (1ULL << 53) /* what a Lua number holds exactly */
#define SG_SKEW_MS 1000		/* an end this close is the same end */

const char *const sg_fleet_refusal_names[SG_REFUSED_COUNT] = {
	[SG_REFUSED_MALFORMED] = "malformed",
	[SG_REFUSED_SHORT_PREFIX] = "short_prefix",
	[SG_REFUSED_RATE] = "rate",
	[SG_REFUSED_FAILED] = "ban_table",
};

/* The next word of *p (up to a blank), NUL-terminated in place. */
static char *sg_word(char **p)
{
	char *w = *p, *end;

	if (!w || !*w)
		return NULL;
	end = strchr(w, ' ');
	if (end) {
		*end = '\0';
		*p = end + 1;
	} else {
		*p = w + strlen(w);
	}
	return w;
}

static bool sg_number(const char *w, __u64 max, __u64 *out)
{
	__u64 n = 0;

	if (!w || !*w || strlen(w) > 16)
		return false;
	for (; *w; w++) {
		if (*w < '0' || *w > '9')
			return false;
		n = n * 10 + (__u64)(*w - '0');
	}
	*out = n;
	return n <= max;
}

/* Ban reasons by name: budgets, set_limit, manual, fleet. */
static int sg_ban_reason(const char *name, __u8 *out)
{
	unsigned int r;

	for (r = SG_REASON_BUDGET_FIRST; r < SG_REASON_COUNT; r++) {
		if (r == SG_REASON_SERVICE_CEILING || r == SG_REASON_UNTRACKED)
			continue;
		if (!strcmp(name, sg_reason_name(r))) {
			*out = (__u8)r;
			return 0;
		}
	}
	if (!strcmp(name, "manual"))
		*out = SG_REASON_MANUAL;
	else if (!strcmp(name, "fleet"))
		*out = SG_REASON_FLEET;
	else
		return -EINVAL;
	return 0;
}

int sg_fleet_parse_record(const char *text, size_t len,
			  struct sg_fleet_record *rec)
{
	char buf[512], *p = buf, *w[5];
	__u64 off;
	size_t i;

	if (len >= sizeof(buf))
		return -EINVAL;
	memcpy(buf, text, len);
	buf[len] = '\0';
	for (i = 0; i < 5; i++)
		if (!(w[i] = sg_word(&p)))
			return -EINVAL;
	if (!sg_number(w[0], SG_MS_MAX, &rec->until_ms) ||
	    !sg_number(w[1], SG_MS_MAX, &rec->since_ms) ||
	    !sg_number(w[2], 0xffff, &off) ||
	    sg_ban_reason(w[3], &rec->reason) || !sg_fleet_valid_name(w[4]) ||
	    strlen(p) >= sizeof(rec->note))
		return -EINVAL;
	rec->offences = (__u16)off;
	snprintf(rec->origin, sizeof(rec->origin), "%s", w[4]);
	snprintf(rec->note, sizeof(rec->note), "%s", p);
	for (i = 0; rec->note[i]; i++) /* never a forged log line */
		if ((unsigned char)rec->note[i] < 0x20 || rec->note[i] == 0x7f)
			rec->note[i] = '?';
	return 0;
}

static int sg_fleet_cidr(const char *text, size_t len, struct sg_cidr *c)
{
	char buf[64], why[128];

	if (len >= sizeof(buf))
		return -EINVAL;
	memcpy(buf, text, len);
	buf[len] = '\0';
	if (!strchr(buf, '/')) /* always written with its length */
		return -EINVAL;
	return sg_parse_cidr(buf, c, why, sizeof(why));
}

static void sg_fleet_refuse(struct sg_fleet *f, enum sg_fleet_refusal why,
			    const char *what, const char *origin)
{
	sg_fleet_add(f, refused[why], 1);
	sg_fleet_log(f, true, "warning", "refused %.80s from %s: %s", what,
		     origin && *origin ? origin : "?",
		     why == SG_REFUSED_MALFORMED      ? "malformed"
		     : why == SG_REFUSED_SHORT_PREFIX ? "prefix shorter than "
							"min_prefix"
		     : why == SG_REFUSED_RATE	      ? "over import_rate"
					      : "the ban table said no");
}

/* One more import from this gateway: within its import rate? */
static bool sg_fleet_may_import(struct sg_fleet *f, __u16 peer)
{
	struct sg_fleet_peer *p = &f->peers[peer];
	__u64 now = sg_fleet_mono_ms() * NS_PER_MS, tat;
	__u64 iv = f->cfg.import_interval_ns;

	tat = (p->import_tat > now ? p->import_tat : now) + iv;
	if (tat - now > f->cfg.import_burst * iv)
		return false;
	p->import_tat = tat;
	return true;
}

static bool sg_fleet_prefix_ok(const struct sg_fleet *f,
			       const struct sg_cidr *c)
{
	return c->prefixlen >= f->cfg.min_prefix[c->family & 1];
}

static void sg_fleet_import(struct sg_fleet *f,
			    const struct sg_fleet_record *rec, bool pushed)
{
	struct sg_ban_spec spec = { .fleet = true };
	struct sg_config cfg = {};
	struct sg_ban_entry have;
	__u64 until, now, server_now = sg_fleet_server_ms(f);
	char cidr[64];
	__u16 peer;
	int ret;

	sg_format_cidr(&rec->cidr, cidr, sizeof(cidr));
	if (!f->cfg.shared_bans && rec->reason != SG_REASON_FLEET)
		return;
	if (!sg_fleet_prefix_ok(f, &rec->cidr)) {
		sg_fleet_refuse(f, SG_REFUSED_SHORT_PREFIX, cidr, rec->origin);
		return;
	}
	if (rec->until_ms <= server_now || sg_config_read(&f->st, &cfg))
		return;
	until = sg_fleet_to_sg_ns(f, rec->until_ms);
	now = sg_state_now(&f->st);
	/* No ban from elsewhere lasts longer than one made here could. */
	if (until > now + cfg.ban_max_ns)
		until = now + cfg.ban_max_ns;
	if (!sg_ban_get(&f->st, &rec->cidr, &have) && have.ban.until_ns > now &&
	    have.ban.until_ns + SG_SKEW_MS * NS_PER_MS >= until)
		return; /* this gateway has it (often: it made it) */
	peer = sg_fleet_peer_index(f, rec->origin);
	if (!sg_fleet_may_import(f, peer)) {
		sg_fleet_refuse(f, SG_REFUSED_RATE, cidr, rec->origin);
		return;
	}
	if (sg_fleet_lock(f))
		return;
	spec.until_ns = until;
	spec.offences = rec->offences;
	spec.reason = rec->reason;
	spec.origin = peer;
	spec.note = rec->note;
	ret = sg_ban_add(&f->st, &rec->cidr, &spec);
	if (ret == -EEXIST)
		return;
	if (ret) {
		sg_fleet_refuse(f, SG_REFUSED_FAILED, cidr, rec->origin);
		return;
	}
	sg_fleet_add(f, imported[0], 1);
	if (pushed)
		sg_fleet_observe_delay(f, server_now > rec->since_ms
						  ? server_now - rec->since_ms
						  : 0);
	sg_fleet_log(f, true, "info",
		     "ban %s from %s: %s, %llus left, offences %u%s%s", cidr,
		     rec->origin, sg_reason_name(rec->reason),
		     (unsigned long long)((until - now) / 1000000000ULL),
		     rec->offences, rec->note[0] ? ": " : "", rec->note);
}

/* "del CIDR ORIGIN": a gateway lifted a ban; so do we, unless --local. */
static void sg_fleet_unban(struct sg_fleet *f, char *rest)
{
	char *cidr_text = sg_word(&rest), *origin = sg_word(&rest);
	struct sg_ban_entry have;
	struct sg_cidr c;
	__u16 peer;

	if (!cidr_text || !origin || *rest || !sg_fleet_valid_name(origin) ||
	    sg_fleet_cidr(cidr_text, strlen(cidr_text), &c)) {
		sg_fleet_refuse(f, SG_REFUSED_MALFORMED, "an unban",
				origin && sg_fleet_valid_name(origin) ? origin
								      : "?");
		return;
	}
	if (!f->cfg.shared_bans || !strcmp(origin, f->gateway))
		return;
	if (sg_ban_get(&f->st, &c, &have) || (have.ban.flags & SG_BAN_LOCAL))
		return;
	peer = sg_fleet_peer_index(f, origin);
	if (!sg_fleet_may_import(f, peer)) {
		sg_fleet_refuse(f, SG_REFUSED_RATE, cidr_text, origin);
		return;
	}
	if (sg_fleet_lock(f) || sg_ban_del(&f->st, &c))
		return;
	sg_fleet_forget_known(f, &c);
	sg_fleet_add(f, imported[1], 1);
	sg_fleet_log(f, true, "info", "unban %s from %s", cidr_text, origin);
}

void sg_fleet_message(struct sg_fleet *f, const char *msg, size_t len)
{
	struct sg_fleet_record rec = {};
	char buf[600], *rest = buf, *kind, *cidr;

	if (len >= sizeof(buf)) {
		sg_fleet_refuse(f, SG_REFUSED_MALFORMED, "a message", "?");
		return;
	}
	memcpy(buf, msg, len);
	buf[len] = '\0';
	kind = sg_word(&rest);
	if (kind && !strcmp(kind, "hb")) {
		if (sg_fleet_valid_name(rest))
			sg_fleet_peer_heard(f, rest);
		return;
	}
	if (kind && !strcmp(kind, "del")) {
		sg_fleet_unban(f, rest);
		return;
	}
	cidr = sg_word(&rest);
	if (!kind || strcmp(kind, "ban") || !cidr ||
	    sg_fleet_cidr(cidr, strlen(cidr), &rec.cidr) ||
	    sg_fleet_parse_record(rest, strlen(rest), &rec)) {
		sg_fleet_refuse(f, SG_REFUSED_MALFORMED, "a ban", "?");
		return;
	}
	sg_fleet_import(f, &rec, true);
}

static void sg_fleet_scan_page(struct sg_fleet *f)
{
	struct sg_fleet_args a = {};

	sg_fleet_arg(&a, "HSCAN");
	sg_fleet_arg(&a, "%sbans", f->cfg.key_prefix);
	sg_fleet_arg(&a, "%llu", f->scan_cursor);
	sg_fleet_arg(&a, "COUNT");
	sg_fleet_arg(&a, "%d", SG_FLEET_SCAN_COUNT);
	f->scanning = !sg_fleet_send(f, SG_OP_SCAN, &a);
	sg_fleet_args_free(&a);
}

void sg_fleet_snapshot_start(struct sg_fleet *f)
{
	f->scan_cursor = 0;
	sg_fleet_scan_page(f);
}

/* One page of the ban hash: import it, ask for the next. */
void sg_fleet_snapshot_reply(struct sg_fleet *f, void *reply)
{
	redisReply *r = reply, *kv, *k, *v;
	struct sg_fleet_record rec;
	size_t i;

	f->scanning = false;
	if (r->type != REDIS_REPLY_ARRAY || r->elements != 2 ||
	    r->element[0]->type != REDIS_REPLY_STRING ||
	    r->element[1]->type != REDIS_REPLY_ARRAY) {
		sg_fleet_fail(f, "unexpected reply to HSCAN");
		return;
	}
	kv = r->element[1];
	for (i = 0; i + 1 < kv->elements; i += 2) {
		k = kv->element[i];
		v = kv->element[i + 1];
		memset(&rec, 0, sizeof(rec));
		if (k->type != REDIS_REPLY_STRING ||
		    v->type != REDIS_REPLY_STRING ||
		    sg_fleet_cidr(k->str, k->len, &rec.cidr) ||
		    sg_fleet_parse_record(v->str, v->len, &rec)) {
			sg_fleet_refuse(f, SG_REFUSED_MALFORMED, "a stored ban",
					"?");
			continue;
		}
		sg_fleet_import(f, &rec, false);
	}
	f->scan_cursor = strtoull(r->element[0]->str, NULL, 10);
	if (f->scan_cursor)
		sg_fleet_scan_page(f);
}
