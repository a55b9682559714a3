/* test_beam.c: finished-hypothesis bookkeeping (Hugging Face's BeamHypotheses rules). */
#include <criterion/criterion.h>
#include <math.h>

#include "decode/beam.h"

static vkgpt__beam_hyps_t make(uint32_t beams, double lp, vkgpt__early_stop_t es,
                               size_t max_new) {
    vkgpt__gen_config_t cfg;
    vkgpt__gen_config_init(&cfg);
    cfg.num_beams = beams;
    cfg.length_penalty = lp;
    cfg.early_stopping = es;
    vkgpt__beam_hyps_t h;
    cr_assert_eq(vkgpt__beam_hyps_init(&h, &cfg, max_new, NULL), VKGPT_OK);
    return h;
}

static void add(vkgpt__beam_hyps_t *h, int32_t tag, double sum, size_t len) {
    int32_t ids[1] = {tag};
    vkgpt__beam_hyps_add(h, ids, 1, -1, sum, len, VKGPT__FINISH_EOS);
}

Test(beam_hyps, score_is_divided_by_length_to_the_penalty) {
    vkgpt__beam_hyps_t h = make(2, 2.0, VKGPT__EARLY_STOP_FALSE, 10);
    int32_t ids[2] = {7, 8};
    vkgpt__beam_hyps_add(&h, ids, 2, 1, -8.0, 2, VKGPT__FINISH_EOS);
    cr_assert_eq(h.n, 1);
    cr_assert_float_eq(h.items[0].score, -2.0, 1e-15);
    cr_assert_eq(h.items[0].n_ids, 3, "the eos is appended");
    cr_assert_eq(h.items[0].ids[2], 1);
    vkgpt__beam_hyps_free(&h);
}

Test(beam_hyps, the_worst_leaves_earliest_first_on_ties) {
    vkgpt__beam_hyps_t h = make(2, 1.0, VKGPT__EARLY_STOP_FALSE, 10);
    add(&h, 10, -3.0, 1);
    add(&h, 11, -3.0, 1);
    cr_assert_float_eq(h.worst_score, -3.0, 0);
    add(&h, 12, -3.0, 1); /* not better than the worst: refused */
    cr_assert_eq(h.n, 2);
    add(&h, 13, -1.0, 1); /* better: the earlier of the two -3 leaves */
    cr_assert_eq(h.n, 2);
    cr_assert_eq(h.items[0].ids[0], 11);
    cr_assert_eq(h.items[1].ids[0], 13);
    cr_assert_float_eq(h.worst_score, -3.0, 0);
    vkgpt__beam_hyps_free(&h);
}

Test(beam_hyps, best_prefers_the_later_of_equal_scores) {
    vkgpt__beam_hyps_t h = make(3, 1.0, VKGPT__EARLY_STOP_FALSE, 10);
    add(&h, 20, -2.0, 1);
    add(&h, 21, -1.0, 1);
    add(&h, 22, -2.0, 1);
    uint32_t order[3];
    vkgpt__beam_hyps_best(&h, order, 3);
    cr_assert_eq(h.items[order[0]].ids[0], 21);
    cr_assert_eq(h.items[order[1]].ids[0], 22);
    cr_assert_eq(h.items[order[2]].ids[0], 20);
    vkgpt__beam_hyps_free(&h);
}

Test(beam_hyps, early_stopping_modes) {
    /* Two hypotheses with scores -1 (len 1) and -2 (len 1): worst = -2. */
    vkgpt__beam_hyps_t t = make(2, 1.0, VKGPT__EARLY_STOP_TRUE, 10);
    cr_assert_not(vkgpt__beam_hyps_is_done(&t, -0.1, 3), "not full yet");
    add(&t, 1, -1.0, 1);
    add(&t, 2, -2.0, 1);
    cr_assert(vkgpt__beam_hyps_is_done(&t, 0.0, 3), "true: done once full");

    /* false: best -5 over cur_len 2 = -2.5 <= worst -2: done; best -3 -> -1.5: not done. */
    vkgpt__beam_hyps_t f = make(2, 1.0, VKGPT__EARLY_STOP_FALSE, 10);
    add(&f, 1, -1.0, 1);
    add(&f, 2, -2.0, 1);
    cr_assert(vkgpt__beam_hyps_is_done(&f, -5.0, 2));
    cr_assert_not(vkgpt__beam_hyps_is_done(&f, -3.0, 2));

    /* never with lp > 0 divides by max_new (10): -15 / 10 = -1.5 > -2: not done, although
     * false would be done with cur_len 2 (-7.5). */
    vkgpt__beam_hyps_t n = make(2, 1.0, VKGPT__EARLY_STOP_NEVER, 10);
    add(&n, 1, -1.0, 1);
    add(&n, 2, -2.0, 1);
    cr_assert_not(vkgpt__beam_hyps_is_done(&n, -15.0, 2));
    cr_assert(vkgpt__beam_hyps_is_done(&n, -25.0, 2));

    /* never with lp <= 0 uses cur_len like false. */
    vkgpt__beam_hyps_t z = make(2, 0.0, VKGPT__EARLY_STOP_NEVER, 10);
    add(&z, 1, -1.0, 1);
    add(&z, 2, -2.0, 1);
    cr_assert(vkgpt__beam_hyps_is_done(&z, -2.5, 2));
    vkgpt__beam_hyps_free(&t);
    vkgpt__beam_hyps_free(&f);
    vkgpt__beam_hyps_free(&n);
    vkgpt__beam_hyps_free(&z);
}
