/*
 * Persistent grants (feature-persistent): a frontend that offers them
 * keeps reusing the same granted pages for its requests and never ends
 * their access while connected, so the backend holds each one from its
 * first use until the ring disconnects, instead of taking and releasing
 * it around every request.  They are held writable (the pages carry data
 * both ways); a grant that cannot be held so, or one past the first
 * BLKBACK_MAX_PERSISTENT, is held per request as without the feature.
 */
#include <string.h>
#include "backends/blk/blkback_internal.h"

const struct backend_grant *blkback_pgrant_get(struct blkback *b, uint32_t ref)
{
	for (unsigned i = 0; i < b->nr_pgrants; i++)
		if (b->pgrants[i].g.ref == ref)
			return &b->pgrants[i].g;
	if (b->nr_pgrants == BLKBACK_MAX_PERSISTENT)
		return NULL;
	struct blkback_pgrant *p = &b->pgrants[b->nr_pgrants];
	if (backend_grant_get(b->bd, 1, &ref, 1, &p->g))
		return NULL;
	b->stats->grant_gets++;
	b->nr_pgrants++;
	return &p->g;
}

void blkback_pgrant_put_all(struct blkback *b)
{
	for (unsigned i = 0; i < b->nr_pgrants; i++)
		backend_grant_put(b->bd, 1, &b->pgrants[i].g);
	b->nr_pgrants = 0;
}
