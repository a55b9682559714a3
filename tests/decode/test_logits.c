/* test_logits.c: each logits processor, the token choice and the random generator on
 * hand-built scores whose answers follow from Hugging Face's rules by hand. */
#include <criterion/criterion.h>
#include <math.h>
#include <string.h>

#include "decode/logits.h"
#include "decode/rng.h"

#define NINF (-INFINITY)

static void assert_scores(const double *got, const double *want, size_t n, const char *what) {
    for (size_t i = 0; i < n; i++) {
        bool same = (isinf(want[i]) && got[i] == want[i]) || fabs(got[i] - want[i]) < 1e-12;
        cr_assert(same, "%s: score %zu is %g, expected %g", what, i, got[i], want[i]);
    }
}

/* ---- top-k ---- */

Test(top_k, keeps_every_tie_with_the_kth_value) {
    double heap[5];
    double s[5] = {1, 3, 3, 2, 3};
    vkgpt__logits_top_k(s, 5, 2, 1, heap); /* sorted: 3 3 3 2 1, the 2nd is 3 */
    double want[5] = {NINF, 3, 3, NINF, 3};
    assert_scores(s, want, 5, "k=2");

    double s4[5] = {1, 3, 3, 2, 3};
    vkgpt__logits_top_k(s4, 5, 4, 1, heap); /* the 4th is 2 */
    double want4[5] = {NINF, 3, 3, 2, 3};
    assert_scores(s4, want4, 5, "k=4");
}

Test(top_k, zero_or_whole_vocabulary_keeps_all_and_min_keep_raises_k) {
    double heap[4];
    double s[4] = {0.5, -1, 2, 1};
    double orig[4] = {0.5, -1, 2, 1};
    vkgpt__logits_top_k(s, 4, 0, 1, heap);
    assert_scores(s, orig, 4, "k=0");
    vkgpt__logits_top_k(s, 4, 4, 1, heap);
    assert_scores(s, orig, 4, "k=n");
    vkgpt__logits_top_k(s, 4, 1, 2, heap); /* beam sampling keeps 2 */
    double want[4] = {NINF, NINF, 2, 1};
    assert_scores(s, want, 4, "k=1 min_keep=2");
}

Test(top_k, already_removed_tokens_count_as_minus_infinity) {
    double heap[4];
    double s[4] = {NINF, NINF, 5, NINF};
    vkgpt__logits_top_k(s, 4, 2, 1, heap); /* the 2nd largest is -inf: nothing more removed */
    double want[4] = {NINF, NINF, 5, NINF};
    assert_scores(s, want, 4, "k=2 over -inf");
}

/* ---- top-p ---- */

/* Four equal scores: each probability is exactly 1/4, so the running sums 0.25, 0.5, 0.75, 1
 * land exactly on the thresholds 1 - top_p and "<=" decides. Ties sort by id. */
Test(top_p, boundary_is_removed_inclusive) {
    vkgpt__scored_t sorted[4];
    struct { double p; uint32_t min_keep; double want[4]; } cases[] = {
        {0.75, 1, {NINF, 0, 0, 0}},    /* 0.25 <= 0.25 removed */
        {0.5, 1, {NINF, NINF, 0, 0}},  /* 0.5 <= 0.5 removed */
        {0.25, 1, {NINF, NINF, NINF, 0}},
        {0.0, 1, {NINF, NINF, NINF, 0}}, /* everything would go: min_keep holds the top one */
        {0.0, 2, {NINF, NINF, 0, 0}},
        {1.0, 1, {0, 0, 0, 0}},
    };
    for (size_t c = 0; c < sizeof(cases) / sizeof(cases[0]); c++) {
        double s[4] = {0, 0, 0, 0};
        vkgpt__logits_top_p(s, 4, cases[c].p, cases[c].min_keep, sorted);
        assert_scores(s, cases[c].want, 4, "top_p");
    }
}

Test(top_p, smallest_probabilities_go_first) {
    vkgpt__scored_t sorted[5];
    /* probabilities 1/2, 1/4, 1/8, 1/8 (logs of powers of two are exact enough: the sums are
     * far from the threshold 0.3) and one token already removed */
    double s[5] = {log(0.5), log(0.25), log(0.125), log(0.125), NINF};
    vkgpt__logits_top_p(s, 5, 0.7, 1, sorted);
    /* ascending: 1/8 (id 2), 1/8 (id 3), 1/4, 1/2: running 0.125, 0.25 <= 0.3 removed;
     * 0.5 > 0.3 kept */
    double want[5] = {log(0.5), log(0.25), NINF, NINF, NINF};
    assert_scores(s, want, 5, "top_p 0.7");
}

/* ---- repetition penalty, n-grams, min_new_tokens, temperature ---- */

Test(repetition_penalty, divides_positive_multiplies_negative_once_per_id) {
    uint8_t mark[5] = {0};
    double s[5] = {2.0, -2.0, 0.5, -0.5, 1.0};
    int32_t ids[] = {0, 1, 1, 3, 1, 99, -4};
    vkgpt__logits_repetition_penalty(s, 5, ids, 7, 2.0, mark);
    double want[5] = {1.0, -4.0, 0.5, -1.0, 1.0};
    assert_scores(s, want, 5, "penalty 2");
    for (int i = 0; i < 5; i++) {
        cr_assert_eq(mark[i], 0, "marks are cleared");
    }
}

Test(repetition_penalty, below_one_raises_seen_tokens) {
    uint8_t mark[3] = {0};
    double s[3] = {-3.0, 3.0, 0.0};
    int32_t ids[] = {0, 1, 2};
    vkgpt__logits_repetition_penalty(s, 3, ids, 3, 0.5, mark);
    double want[3] = {-1.5, 6.0, 0.0};
    assert_scores(s, want, 3, "penalty 0.5");
}

Test(no_repeat_ngram, bans_the_token_that_would_repeat_an_ngram) {
    int32_t ids[] = {1, 2, 3, 1, 2};
    double s3[5] = {0, 0, 0, 0, 0};
    vkgpt__logits_no_repeat_ngram(s3, 5, ids, 5, 3); /* prefix (1, 2) was followed by 3 */
    double want3[5] = {0, 0, 0, NINF, 0};
    assert_scores(s3, want3, 5, "n=3");

    double s2[5] = {0, 0, 0, 0, 0};
    vkgpt__logits_no_repeat_ngram(s2, 5, ids, 5, 2); /* prefix (2) was followed by 3 */
    assert_scores(s2, want3, 5, "n=2");

    double s1[5] = {0, 0, 0, 0, 0};
    vkgpt__logits_no_repeat_ngram(s1, 5, ids, 5, 1); /* every id seen */
    double want1[5] = {0, NINF, NINF, NINF, 0};
    assert_scores(s1, want1, 5, "n=1");

    double s4[5] = {0, 0, 0, 0, 0};
    vkgpt__logits_no_repeat_ngram(s4, 5, ids, 2, 4); /* 2 + 1 < 4: too short to ban */
    double none[5] = {0, 0, 0, 0, 0};
    assert_scores(s4, none, 5, "short");
}

Test(no_repeat_ngram, several_earlier_occurrences_ban_each_follower) {
    int32_t ids[] = {4, 1, 4, 2, 4};
    double s[5] = {0, 0, 0, 0, 0};
    vkgpt__logits_no_repeat_ngram(s, 5, ids, 5, 2);
    double want[5] = {0, NINF, NINF, 0, 0};
    assert_scores(s, want, 5, "n=2, prefix 4");
}

Test(process, min_new_tokens_masks_eos_until_reached) {
    vkgpt__gen_config_t cfg;
    vkgpt__gen_config_init(&cfg);
    cfg.min_new_tokens = 3;
    cfg.eos_token_ids[0] = 1;
    cfg.eos_token_ids[1] = 3;
    cfg.n_eos = 2;
    vkgpt__logits_scratch_t sc;
    cr_assert_eq(vkgpt__logits_scratch_alloc(&sc, 4, NULL), VKGPT_OK);
    int32_t ids[] = {0, 2, 2, 2, 2};

    double s[4] = {1, 5, 1, 5};
    vkgpt__logits_process(&cfg, s, 4, ids, 4, 2, &sc);
    double masked[4] = {1, NINF, 1, NINF};
    assert_scores(s, masked, 4, "2 new tokens");

    double t[4] = {1, 5, 1, 5};
    vkgpt__logits_process(&cfg, t, 4, ids, 5, 3, &sc);
    double open[4] = {1, 5, 1, 5};
    assert_scores(t, open, 4, "3 new tokens");
    vkgpt__logits_scratch_free(&sc);
}

Test(process, warpers_run_only_when_sampling_in_hf_order) {
    vkgpt__gen_config_t cfg;
    vkgpt__gen_config_init(&cfg);
    cfg.temperature = 2.0;
    cfg.top_k = 2;
    cfg.repetition_penalty = 2.0;
    vkgpt__logits_scratch_t sc;
    cr_assert_eq(vkgpt__logits_scratch_alloc(&sc, 4, NULL), VKGPT_OK);
    int32_t ids[] = {3};

    double g[4] = {4, 2, -2, 8};
    vkgpt__logits_process(&cfg, g, 4, ids, 1, 0, &sc); /* greedy: only the penalty */
    double want_g[4] = {4, 2, -2, 4};
    assert_scores(g, want_g, 4, "greedy");

    /* Penalty first (8 -> 4), then temperature, then top-k: 4 and 4 tie for the top two. */
    cfg.strategy = VKGPT__STRATEGY_SAMPLE;
    double s[4] = {4, 2, -2, 8};
    vkgpt__logits_process(&cfg, s, 4, ids, 1, 0, &sc);
    double want_s[4] = {2, NINF, NINF, 2};
    assert_scores(s, want_s, 4, "sample");
    vkgpt__logits_scratch_free(&sc);
}

Test(temperature, divides_every_score) {
    double s[3] = {3.0, -1.5, NINF};
    vkgpt__logits_temperature(s, 3, 1.5);
    double want[3] = {2.0, -1.0, NINF};
    assert_scores(s, want, 3, "t=1.5");
}

/* ---- log-softmax and choice ---- */

Test(log_softmax, normalises_and_keeps_removed_tokens_removed) {
    double s[4] = {1.0, 2.0, NINF, 0.5};
    cr_assert(vkgpt__logits_log_softmax(s, 4));
    double total = exp(s[0]) + exp(s[1]) + exp(s[3]);
    cr_assert(fabs(total - 1.0) < 1e-15);
    cr_assert(isinf(s[2]) && s[2] < 0);
    cr_assert(fabs((s[1] - s[0]) - 1.0) < 1e-15);

    double none[2] = {NINF, NINF};
    cr_assert_not(vkgpt__logits_log_softmax(none, 2));
}

Test(argmax, lowest_id_wins_ties_and_nothing_finite_gives_minus_one) {
    double s[4] = {1, 3, 3, 2};
    cr_assert_eq(vkgpt__logits_argmax(s, 4), 1);
    double none[2] = {NINF, NINF};
    cr_assert_eq(vkgpt__logits_argmax(none, 2), -1);
}

Test(sample, inverse_cdf_in_id_order) {
    double s[5] = {0, 0, NINF, 0, 0}; /* four equal weights; id 2 removed */
    cr_assert_eq(vkgpt__logits_sample(s, 5, 0.0), 0);
    cr_assert_eq(vkgpt__logits_sample(s, 5, 0.2499), 0);
    cr_assert_eq(vkgpt__logits_sample(s, 5, 0.25), 1); /* running 1 is not > 1: next */
    cr_assert_eq(vkgpt__logits_sample(s, 5, 0.5), 3);
    cr_assert_eq(vkgpt__logits_sample(s, 5, 0.9999999), 4);
    double none[2] = {NINF, NINF};
    cr_assert_eq(vkgpt__logits_sample(none, 2, 0.5), -1);
}

Test(sample, invalid_logits_detected) {
    float ok[3] = {1.0f, -INFINITY, 2.0f};
    float nan[3] = {1.0f, NAN, 2.0f};
    float inf[3] = {1.0f, INFINITY, 2.0f};
    cr_assert_not(vkgpt__logits_has_invalid(ok, 3));
    cr_assert(vkgpt__logits_has_invalid(nan, 3));
    cr_assert(vkgpt__logits_has_invalid(inf, 3));
}

/* ---- the generator ---- */

Test(rng, key_is_splitmix64s_first_output) {
    /* SplitMix64 seeded with 0 first returns 0xe220a8397b1dcdaf (its published test value);
     * key(seed 0, stream 0) is that same computation. */
    vkgpt__rng_t r;
    vkgpt__rng_init(&r, 0, 0);
    cr_assert_eq(r.key, 0xe220a8397b1dcdafull);
}

Test(rng, streams_differ_and_doubles_stay_in_range) {
    vkgpt__rng_t a, b, a2;
    vkgpt__rng_init(&a, 42, 0);
    vkgpt__rng_init(&b, 42, 1);
    vkgpt__rng_init(&a2, 42, 0);
    int same = 0;
    double sum = 0;
    for (int i = 0; i < 1000; i++) {
        uint64_t x = vkgpt__rng_next_u64(&a), y = vkgpt__rng_next_u64(&b);
        cr_assert_eq(x, vkgpt__rng_next_u64(&a2), "same seed and stream repeat");
        same += x == y;
        double u = vkgpt__rng_next_double(&b);
        cr_assert(u >= 0.0 && u < 1.0);
        sum += u;
    }
    cr_assert_eq(same, 0);
    cr_assert(fabs(sum / 1000 - 0.5) < 0.05, "mean %g", sum / 1000);
}
