/* test_pickle.c: the allow-list pickle interpreter inside a zip pytorch_model.bin: every
 * opcode and callable outside the list refused by name, every bound enforced, every tensor
 * record checked against its storage. */
#include <criterion/criterion.h>
#include <stdio.h>
#include <string.h>

#include "helpers.h"

TestSuite(pickle, .init = t_setup, .fini = t_teardown);

/* One F32 storage "0" of 6 elements backs every hand-written pickle below. */
static const test_tensor_t base = {.name = "w",
                                   .storage = "FloatStorage",
                                   .key = "0",
                                   .storage_numel = 6,
                                   .rank = 2,
                                   .shape = {2, 3}};

static const char *zip_with(const tbuf_t *pickle) {
    tbuf_t z = {0};
    torch_zip(&z, pickle, &base, 1);
    const char *path = t_write_buf("pytorch_model.bin", &z);
    tb_free(&z);
    return path;
}

static const char *zip_with_tensors(const test_tensor_t *t, size_t n) {
    tbuf_t pk = {0}, z = {0};
    pk_state_dict(&pk, t, n, false);
    torch_zip(&z, &pk, t, n);
    const char *path = t_write_buf("pytorch_model.bin", &z);
    tb_free(&pk);
    tb_free(&z);
    return path;
}

/* PROTO 2, then `body`, then STOP. */
static const char *zip_with_ops(const void *body, size_t n) {
    tbuf_t pk = {0};
    pk_proto(&pk);
    tb_bytes(&pk, body, n);
    tb_u8(&pk, '.');
    const char *path = zip_with(&pk);
    tb_free(&pk);
    return path;
}

Test(pickle, valid_state_dict_loads) {
    vkgpt__weights_t *w = expect_open(zip_with_tensors(&base, 1));
    const vkgpt__tensor_view_t *t = vkgpt__weights_find(w, "w");
    cr_assert_not_null(t);
    cr_assert_eq(t->rank, 2);
    cr_assert_eq(t->shape[1], 3);
    cr_assert_eq(t->nbytes, 24);
    cr_assert_eq(((const uint8_t *)t->data)[1], 13); /* torch_zip's pattern */
    vkgpt__weights_close(w);
}

/* ---- Globals and calls outside the allow-list ---- */

Test(pickle, refuses_os_system) {
    tbuf_t pk = {0};
    pk_proto(&pk);
    pk_global(&pk, "os", "system");
    pk_unicode(&pk, "echo pwned");
    tb_u8(&pk, 0x85);
    tb_u8(&pk, 'R');
    tb_u8(&pk, '.');
    expect_reject(zip_with(&pk), VKGPT_ERR_BAD_FORMAT, "refuses global 'os.system'");
    tb_free(&pk);
}

Test(pickle, refuses_builtins_and_other_torch_callables) {
    static const char *names[][2] = {{"builtins", "eval"},
                                     {"__builtin__", "getattr"},
                                     {"torch._utils", "_rebuild_parameter"},
                                     {"torch", "LongStorage"},
                                     {"numpy.core.multiarray", "_reconstruct"}};
    for (size_t i = 0; i < sizeof(names) / sizeof(names[0]); i++) {
        tbuf_t pk = {0};
        char want[128];
        pk_proto(&pk);
        pk_global(&pk, names[i][0], names[i][1]);
        tb_u8(&pk, '.');
        snprintf(want, sizeof(want), "refuses global '%s.%s'", names[i][0], names[i][1]);
        expect_reject(zip_with(&pk), VKGPT_ERR_BAD_FORMAT, want);
        tb_free(&pk);
    }
}

Test(pickle, refuses_calling_a_storage_type) {
    tbuf_t pk = {0};
    pk_proto(&pk);
    pk_global(&pk, "torch", "FloatStorage");
    tb_u8(&pk, ')');
    tb_u8(&pk, 'R');
    tb_u8(&pk, '.');
    expect_reject(zip_with(&pk), VKGPT_ERR_BAD_FORMAT, "refuses to call torch.FloatStorage");
    tb_free(&pk);
}

Test(pickle, refuses_ordered_dict_with_arguments) {
    tbuf_t pk = {0};
    pk_proto(&pk);
    pk_global(&pk, "collections", "OrderedDict");
    tb_u8(&pk, ']');
    tb_u8(&pk, 0x85);
    tb_u8(&pk, 'R');
    tb_u8(&pk, '.');
    expect_reject(zip_with(&pk), VKGPT_ERR_BAD_FORMAT, "OrderedDict called with arguments");
    tb_free(&pk);
}

Test(pickle, refuses_reduce_on_a_string) {
    static const uint8_t body[] = {'X', 1, 0, 0, 0, 'a', ')', 'R'};
    expect_reject(zip_with_ops(body, sizeof(body)), VKGPT_ERR_BAD_FORMAT,
                  "REDUCE on something that is not an allowed global");
}

Test(pickle, refuses_global_name_with_control_bytes) {
    static const uint8_t body[] = {'c', 'o', '\x01', 's', '\n', 'x', '\n'};
    expect_reject(zip_with_ops(body, sizeof(body)), VKGPT_ERR_BAD_FORMAT,
                  "GLOBAL name holds byte 0x01");
}

/* ---- Opcodes outside the allow-list ---- */

Test(pickle, refuses_other_opcodes) {
    /* INST, OBJ, NEWOBJ, STACK_GLOBAL, EXT1, BINBYTES, BINFLOAT, PERSID, LONG4, DUP, POP */
    static const uint8_t ops[] = {'i', 'o', 0x81, 0x93, 0x82, 'B', 'G', 'P', 0x8b, '2', '0'};
    for (size_t i = 0; i < sizeof(ops); i++) {
        char want[64];
        snprintf(want, sizeof(want), "opcode 0x%02x is not allowed", ops[i]);
        expect_reject(zip_with_ops(&ops[i], 1), VKGPT_ERR_BAD_FORMAT, want);
    }
}

Test(pickle, refuses_other_protocols) {
    static const uint8_t body[] = {0x80, 4, 'N'};
    expect_reject(zip_with_ops(body, sizeof(body)), VKGPT_ERR_UNSUPPORTED, "pickle protocol 4");
}

/* ---- Bounds ---- */

Test(pickle, stack_depth_bounded) {
    tbuf_t pk = {0};
    pk_proto(&pk);
    tb_u8(&pk, '(');
    for (int i = 0; i < 70000; i++) {
        tb_u8(&pk, 'N');
    }
    tb_u8(&pk, 't');
    tb_u8(&pk, '.');
    expect_reject(zip_with(&pk), VKGPT_ERR_BAD_FORMAT, "stack deeper than 65536");
    tb_free(&pk);
}

Test(pickle, mark_depth_bounded) {
    tbuf_t pk = {0};
    pk_proto(&pk);
    for (int i = 0; i < 100; i++) {
        tb_u8(&pk, '(');
    }
    tb_u8(&pk, '.');
    expect_reject(zip_with(&pk), VKGPT_ERR_BAD_FORMAT, "MARKs nested deeper than 64");
    tb_free(&pk);
}

Test(pickle, memo_index_bounded) {
    static const uint8_t body[] = {'N', 'r', 0xff, 0xff, 0xff, 0x7f};
    expect_reject(zip_with_ops(body, sizeof(body)), VKGPT_ERR_BAD_FORMAT,
                  "memo index 2147483647 (limit 1048576)");
}

Test(pickle, memo_get_undefined) {
    static const uint8_t body[] = {'N', 'q', 0, 'h', 5};
    expect_reject(zip_with_ops(body, sizeof(body)), VKGPT_ERR_BAD_FORMAT,
                  "memo entry 5 is not defined");
}

Test(pickle, string_length_bounded) {
    static const uint8_t body[] = {'X', 0xff, 0xff, 0xff, 0x7f, 'a'};
    expect_reject(zip_with_ops(body, sizeof(body)), VKGPT_ERR_BAD_FORMAT,
                  "string of 2147483647 bytes (limit 1048576)");
}

Test(pickle, string_past_end) {
    static const uint8_t body[] = {'X', 100, 0, 0, 0, 'a'};
    expect_reject(zip_with_ops(body, sizeof(body)), VKGPT_ERR_BAD_FORMAT, "truncated");
}

Test(pickle, string_not_utf8) {
    static const uint8_t body[] = {'X', 2, 0, 0, 0, 0xc3, 0x28};
    expect_reject(zip_with_ops(body, sizeof(body)), VKGPT_ERR_BAD_FORMAT, "not UTF-8");
}

Test(pickle, missing_stop) {
    tbuf_t pk = {0};
    pk_proto(&pk);
    tb_u8(&pk, '}');
    expect_reject(zip_with(&pk), VKGPT_ERR_BAD_FORMAT, "truncated");
    tb_free(&pk);
}

Test(pickle, stack_underflow) {
    static const uint8_t body[] = {'N', 0x86};
    expect_reject(zip_with_ops(body, sizeof(body)), VKGPT_ERR_BAD_FORMAT, "stack underflow");
}

Test(pickle, pop_across_a_mark) {
    /* SETITEM may not reach below the open MARK for its dict. */
    static const uint8_t body[] = {'}', '(', 'N', 'N', 's'};
    expect_reject(zip_with_ops(body, sizeof(body)), VKGPT_ERR_BAD_FORMAT, "stack underflow");
}

Test(pickle, stop_with_values_left) {
    static const uint8_t body[] = {'N', 'N'};
    expect_reject(zip_with_ops(body, sizeof(body)), VKGPT_ERR_BAD_FORMAT,
                  "STOP with 2 values and 0 MARKs left");
}

Test(pickle, setitems_on_a_list) {
    static const uint8_t body[] = {']', '(', 'N', 'N', 'u'};
    expect_reject(zip_with_ops(body, sizeof(body)), VKGPT_ERR_BAD_FORMAT,
                  "SETITEM(S) on a value of the wrong kind");
}

/* ---- Structure of the state dict ---- */

Test(pickle, top_level_not_a_dict) {
    static const uint8_t body[] = {']'};
    expect_reject(zip_with_ops(body, sizeof(body)), VKGPT_ERR_BAD_FORMAT,
                  "holds a value of type list, not a state dict");
}

Test(pickle, value_not_a_tensor) {
    static const uint8_t body[] = {'}', 'X', 1, 0, 0, 0, 'a', 'K', 7, 's'};
    expect_reject(zip_with_ops(body, sizeof(body)), VKGPT_ERR_BAD_FORMAT,
                  "entry 'a' is of type int, not a tensor");
}

Test(pickle, bad_persistent_id) {
    tbuf_t pk = {0};
    pk_proto(&pk);
    tb_u8(&pk, '(');
    pk_unicode(&pk, "storage");
    pk_unicode(&pk, "not a type");
    tb_u8(&pk, 't');
    tb_u8(&pk, 'Q');
    tb_u8(&pk, '.');
    expect_reject(zip_with(&pk), VKGPT_ERR_BAD_FORMAT, "persistent id is not ('storage'");
    tb_free(&pk);
}

Test(pickle, bad_rebuild_arguments) {
    tbuf_t pk = {0};
    pk_proto(&pk);
    pk_global(&pk, "torch._utils", "_rebuild_tensor_v2");
    tb_u8(&pk, '(');
    tb_u8(&pk, 'N');
    pk_int(&pk, 0);
    tb_u8(&pk, ')');
    tb_u8(&pk, ')');
    tb_u8(&pk, 0x89);
    tb_u8(&pk, '}');
    tb_u8(&pk, 't');
    tb_u8(&pk, 'R');
    tb_u8(&pk, '.');
    expect_reject(zip_with(&pk), VKGPT_ERR_BAD_FORMAT, "_rebuild_tensor_v2 arguments are not");
    tb_free(&pk);
}

Test(pickle, duplicate_key) {
    test_tensor_t t[2] = {base, base};
    expect_reject(zip_with_tensors(t, 2), VKGPT_ERR_BAD_FORMAT, "duplicate tensor name 'w'");
}

/* ---- Tensor records against their storages ---- */

Test(pickle, storage_entry_missing) {
    tbuf_t pk = {0}, z = {0};
    test_tensor_t t = base;
    t.key = "7";
    pk_state_dict(&pk, &t, 1, false);
    torch_zip(&z, &pk, &base, 1); /* writes storage "0" only */
    expect_reject(t_write_buf("pytorch_model.bin", &z), VKGPT_ERR_BAD_FORMAT,
                  "tensor 'w' refers to storage '7', but the zip has no entry "
                  "'archive/data/7'");
    tb_free(&pk);
    tb_free(&z);
}

Test(pickle, storage_entry_too_small) {
    tbuf_t pk = {0}, z = {0};
    test_tensor_t big = base;
    big.storage_numel = 600;
    pk_state_dict(&pk, &big, 1, false);
    torch_zip(&z, &pk, &base, 1); /* the entry holds 6 floats, the pickle claims 600 */
    expect_reject(t_write_buf("pytorch_model.bin", &z), VKGPT_ERR_BAD_FORMAT,
                  "storage '0' should hold 600 elements of FloatStorage, but the file has "
                  "only 24 bytes");
    tb_free(&pk);
    tb_free(&z);
}

Test(pickle, view_past_storage) {
    test_tensor_t t = base;
    t.offset = 3;
    expect_reject(zip_with_tensors(&t, 1), VKGPT_ERR_BAD_FORMAT,
                  "elements [3, +6) run past storage '0' (6 elements)");
}

Test(pickle, view_offset_overflow) {
    test_tensor_t t = base;
    t.offset = UINT64_MAX >> 1;
    expect_reject(zip_with_tensors(&t, 1), VKGPT_ERR_BAD_FORMAT, "run past storage");
}

Test(pickle, non_contiguous_refused) {
    test_tensor_t t = base;
    t.stride[0] = 1; /* a transposed [3, 2] storage viewed as [2, 3] */
    t.stride[1] = 2;
    expect_reject(zip_with_tensors(&t, 1), VKGPT_ERR_UNSUPPORTED,
                  "tensor 'w' is not contiguous (strides [1, 2])");
}

Test(pickle, offset_view_inside_storage_loads) {
    test_tensor_t t[2] = {base, base};
    t[0].name = "head";
    t[0].rank = 1;
    t[0].shape[0] = 2;
    t[1].name = "tail";
    t[1].offset = 2;
    t[1].rank = 2;
    t[1].shape[0] = 2;
    t[1].shape[1] = 2;
    vkgpt__weights_t *w = expect_open(zip_with_tensors(t, 2));
    const vkgpt__tensor_view_t *head = vkgpt__weights_find(w, "head");
    const vkgpt__tensor_view_t *tail = vkgpt__weights_find(w, "tail");
    cr_assert_eq((const uint8_t *)tail->data - (const uint8_t *)head->data, 8);
    cr_assert_eq(tail->nbytes, 16);
    vkgpt__weights_close(w);
}

Test(pickle, bool_tensor_refused_unless_skipped) {
    test_tensor_t t = {.name = "h.0.mlp.c_fc.weight",
                       .storage = "BoolStorage",
                       .key = "0",
                       .storage_numel = 4,
                       .rank = 1,
                       .shape = {4}};
    expect_reject(zip_with_tensors(&t, 1), VKGPT_ERR_UNSUPPORTED,
                  "'h.0.mlp.c_fc.weight' has element type BoolStorage");

    t.name = "transformer.h.0.attn.bias";
    vkgpt__weights_t *w = expect_open(zip_with_tensors(&t, 1));
    cr_assert_eq(vkgpt__weights_count(w), 0);
    vkgpt__weights_close(w);
}

Test(pickle, half_and_bfloat16_storages) {
    test_tensor_t t[2] = {{.name = "a",
                           .storage = "HalfStorage",
                           .key = "0",
                           .storage_numel = 2,
                           .rank = 1,
                           .shape = {2}},
                          {.name = "b",
                           .storage = "BFloat16Storage",
                           .key = "1",
                           .storage_numel = 3,
                           .rank = 1,
                           .shape = {3}}};
    vkgpt__weights_t *w = expect_open(zip_with_tensors(t, 2));
    cr_assert_eq(vkgpt__weights_find(w, "a")->dtype, VKGPT__DTYPE_F16);
    cr_assert_eq(vkgpt__weights_find(w, "b")->dtype, VKGPT__DTYPE_BF16);
    cr_assert_eq(vkgpt__weights_find(w, "b")->nbytes, 6);
    vkgpt__weights_close(w);
}
