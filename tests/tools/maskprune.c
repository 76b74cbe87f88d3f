/* maskprune: writes a mask-pruned copy of an ONNX model, as pruning tools
 * that only zero weights do (torch.nn.utils.prune, NNI pruners): in each
 * prunable channel group (passes/channel_groups.c) the channels whose
 * filters have the lowest L1 norm, summed over all the group's producers,
 * get every producer's filter zeroed; biases, BN parameters and the rest of
 * the model stay as they are. Deterministic: ties break by channel order.
 *
 *   maskprune IN.onnx OUT.onnx RATIO [--logits] [--groups] [-v]
 *
 * RATIO in [0, 1): each group zeroes floor(RATIO * channels) channels,
 * keeping at least one. --logits also drops a final Sigmoid, so the model
 * outputs the logits: uniform mask pruning saturates the probability map to
 * 0, which would hide errors that the logits show. --groups prints the
 * channel groups; -v the count zeroed per group. The groups are those of the imported graph (before
 * canonicalisation), whose weights are the model's tensors by name. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "frontend.h"
#include "onnx/onnx.pb-c.h"
#include "passes.h"

typedef struct {
    uint32_t cls;
    double l1;
} scored;

static int by_l1(const void *a, const void *b) {
    const scored *x = a, *y = b;
    if (x->l1 != y->l1) return x->l1 < y->l1 ? -1 : 1;
    return x->cls < y->cls ? -1 : x->cls > y->cls;
}

static Onnx__TensorProto *find_tensor(Onnx__GraphProto *gp, const char *name) {
    for (size_t i = 0; i < gp->n_initializer; i++)
        if (strcmp(gp->initializer[i]->name, name) == 0) return gp->initializer[i];
    for (size_t i = 0; i < gp->n_node; i++) {
        Onnx__NodeProto *n = gp->node[i];
        if (strcmp(n->op_type, "Constant") != 0 || n->n_output != 1 || strcmp(n->output[0], name) != 0) continue;
        for (size_t j = 0; j < n->n_attribute; j++)
            if (strcmp(n->attribute[j]->name, "value") == 0 && n->attribute[j]->t) return n->attribute[j]->t;
    }
    return NULL;
}

/* Zeroes, in the model's tensor, the weight slice r names. */
static int zero_slice(const ir_graph *g, Onnx__GraphProto *gp, const ocrs_chan_ref *r) {
    const ir_value *w = &g->values[g->nodes[r->node].inputs[r->slot]];
    Onnx__TensorProto *t = find_tensor(gp, w->name);
    int64_t n = ir_numel_static(w);
    if (!t || t->data_type != ONNX__TENSOR_PROTO__DATA_TYPE__FLOAT ||
        (t->has_raw_data ? (int64_t)t->raw_data.len != 4 * n : (int64_t)t->n_float_data != n)) {
        fprintf(stderr, "maskprune: weight '%s' is not a float tensor of the model\n", w->name);
        return 1;
    }
    ocrs_slice s = ocrs_chan_ref_slice(g, r);
    for (int64_t o = 0; o < s.outer; o++)
        for (int64_t j = 0; j < s.inner; j++) {
            int64_t at = o * s.step + s.base + j;
            if (t->has_raw_data) memset(t->raw_data.data + 4 * at, 0, 4); /* +0.0f is all zero bytes */
            else t->float_data[at] = 0.0f;
        }
    return 0;
}

static double class_l1(const ir_graph *g, const ocrs_channel_groups *cg, const ocrs_chan_class *k) {
    double l1 = 0;
    for (uint32_t p = 0; p < k->nproducers; p++) {
        const ocrs_chan_ref *r = &cg->producers[k->first_producer + p];
        const float *data = g->values[g->nodes[r->node].inputs[r->slot]].data;
        ocrs_slice s = ocrs_chan_ref_slice(g, r);
        for (int64_t o = 0; o < s.outer; o++)
            for (int64_t j = 0; j < s.inner; j++) {
                float x = data[o * s.step + s.base + j];
                l1 += x < 0 ? -x : x;
            }
    }
    return l1;
}

/* Zeroes the group's lowest-L1 channels; returns nonzero on failure. */
static int prune_group(const ir_graph *g, const ocrs_channel_groups *cg, uint32_t gi, double ratio,
                       Onnx__GraphProto *gp, int verbose) {
    const ocrs_chan_group *gr = &cg->groups[gi];
    uint32_t n = gr->nclasses, count = (uint32_t)(ratio * n);
    if (count >= n) count = n - 1;
    scored *sc = malloc(sizeof *sc * (n ? n : 1));
    if (!sc) return 1;
    for (uint32_t i = 0; i < n; i++) {
        sc[i].cls = cg->group_classes[gr->first_class + i];
        sc[i].l1 = class_l1(g, cg, &cg->classes[sc[i].cls]);
    }
    qsort(sc, n, sizeof *sc, by_l1);
    int rc = 0;
    for (uint32_t i = 0; i < count && !rc; i++) {
        const ocrs_chan_class *k = &cg->classes[sc[i].cls];
        for (uint32_t p = 0; p < k->nproducers && !rc; p++) rc = zero_slice(g, gp, &cg->producers[k->first_producer + p]);
    }
    if (verbose) printf("group %u: %u channels, zeroed %u\n", gi, n, count);
    free(sc);
    return rc;
}

/* Makes the input of the Sigmoid computing graph output 0 the output. */
static int drop_final_sigmoid(Onnx__GraphProto *gp) {
    if (gp->n_output < 1) return 1;
    Onnx__ValueInfoProto *out = gp->output[0];
    for (size_t i = 0; i < gp->n_node; i++) {
        Onnx__NodeProto *n = gp->node[i];
        if (n->n_output != 1 || strcmp(n->output[0], out->name) != 0) continue;
        if (strcmp(n->op_type, "Sigmoid") != 0 || n->n_input != 1) break;
        char *name = strdup(n->input[0]);
        if (!name) return 1;
        free(out->name); /* the unpacked message's strings are malloc'ed */
        out->name = name;
        onnx__node_proto__free_unpacked(n, NULL);
        memmove(gp->node + i, gp->node + i + 1, sizeof *gp->node * (gp->n_node - i - 1));
        gp->n_node--;
        return 0;
    }
    fprintf(stderr, "maskprune: --logits: graph output 0 is not computed by a Sigmoid\n");
    return 1;
}

static unsigned char *read_all(const char *path, size_t *size) {
    FILE *f = fopen(path, "rb");
    if (!f) return NULL;
    unsigned char *buf = NULL;
    long len = fseek(f, 0, SEEK_END) == 0 ? ftell(f) : -1;
    if (len >= 0 && fseek(f, 0, SEEK_SET) == 0 && (buf = malloc((size_t)len + 1)) &&
        fread(buf, 1, (size_t)len, f) != (size_t)len) {
        free(buf);
        buf = NULL;
    }
    fclose(f);
    *size = (size_t)len;
    return buf;
}

static int write_all(const char *path, const Onnx__ModelProto *m) {
    size_t size = onnx__model_proto__get_packed_size(m);
    unsigned char *buf = malloc(size ? size : 1);
    char tmp[4096];
    snprintf(tmp, sizeof tmp, "%s.tmp", path);
    FILE *f = buf ? fopen(tmp, "wb") : NULL;
    int rc = !f;
    if (f) {
        onnx__model_proto__pack(m, buf);
        rc = fwrite(buf, 1, size, f) != size;
        rc |= fclose(f) != 0;
        rc = rc || rename(tmp, path) != 0;
        if (rc) remove(tmp);
    }
    free(buf);
    if (rc) fprintf(stderr, "maskprune: cannot write %s\n", path);
    return rc;
}

int main(int argc, char **argv) {
    int show_groups = 0, verbose = 0, logits = 0, npos = 0;
    const char *pos[3] = {0};
    for (int i = 1; i < argc; i++) {
        if (strcmp(argv[i], "--groups") == 0) show_groups = 1;
        else if (strcmp(argv[i], "-v") == 0) verbose = 1;
        else if (strcmp(argv[i], "--logits") == 0) logits = 1;
        else if (npos < 3) pos[npos++] = argv[i];
        else npos = 4;
    }
    char *end = NULL;
    double ratio = npos == 3 ? strtod(pos[2], &end) : -1;
    if (npos != 3 || !end || *end || !(ratio >= 0 && ratio < 1)) {
        fprintf(stderr, "usage: maskprune IN.onnx OUT.onnx RATIO [--logits] [--groups] [-v]   (0 <= RATIO < 1)\n");
        return 2;
    }
    ocrs_diag diag = {0};
    ir_graph *g = NULL;
    ocrs_channel_groups *cg = NULL;
    ocrs_status st = ocrs_import_onnx(pos[0], NULL, &g, &diag);
    if (!st) st = pass_shape_infer(g, &diag);
    if (!st) st = ocrs_channel_groups_build(g, &cg, &diag);
    if (st) {
        fprintf(stderr, "maskprune: %s\n", diag.msg);
        ir_graph_free(g);
        return 1;
    }
    if (show_groups) ocrs_channel_groups_dump(g, cg, stdout);
    size_t size;
    unsigned char *buf = read_all(pos[0], &size);
    Onnx__ModelProto *m = buf ? onnx__model_proto__unpack(NULL, size, buf) : NULL;
    int rc = !m || !m->graph;
    if (rc) fprintf(stderr, "maskprune: cannot read %s\n", pos[0]);
    for (uint32_t i = 0; i < cg->ngroups && !rc; i++)
        if (cg->groups[i].prunable) rc = prune_group(g, cg, i, ratio, m->graph, verbose);
    if (!rc && logits) rc = drop_final_sigmoid(m->graph);
    if (!rc) rc = write_all(pos[1], m);
    if (m) onnx__model_proto__free_unpacked(m, NULL);
    free(buf);
    ocrs_channel_groups_free(cg);
    ir_graph_free(g);
    return rc;
}
