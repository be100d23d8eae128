/* state.h: hvclock's own record on the host of what it changed, one JSON file per guest. */
#pragma once

#include <stdbool.h>

#include "core/guest.h"
#include "core/plan.h"

/*
 * The files are STATE_DIR/guests/UUID.json (hvc_state_dir(); the host row under
 * dom0's UUID): a guest's rollout JSON object plus "time", written for every
 * guest a rollout changed and removed by a rollback that did not fail or skip.
 * The domain metadata holds the same for the host cmdline; these files also
 * cover the guest-side steps. Only remedy.profile is ever read back.
 */

/*
 * The profile hvclock applied to g before: its state file's remedy.profile,
 * else the domain metadata record's. Sets g->recorded_profile (or leaves it
 * NULL) and g->has_host_state (a state file exists). Never fails: an
 * unreadable file is "no record".
 */
void hvc_state_load_recorded(struct hvc_guest *g);

/*
 * After a rollout (rollback false) or a rollback (true): write or remove the
 * state file of every guest of plan, and of its host row. The directories are
 * made and checked by hvc_mkdir_private(), the files written 0600 by
 * hvc_write_file_atomic(). Nothing here fails the run: each problem is one
 * line (naming the path and the cause) appended to *warnings (a strv, the
 * caller's).
 */
void hvc_state_record(const struct hvc_plan *plan, bool rollback, char ***warnings);
