/* Dead ReLUs: channels that calibration shows are always zero.
 * Needs: channel groups and calibration statistics (passes/calib.c) of the
 *   graph as it is; opt-in (ocrslimc --dead-relu), after canonicalisation.
 * Changes: every channel class that is not pinned and whose members were
 *   exactly 0 at every position of every calibration input is removed, as a
 *   constant 0 would be: its filters go, and its readers lose a zero input
 *   (exact at borders too, since zero padding is 0). Exact on the calibration
 *   images, approximate elsewhere; the driver reports it apart from the exact
 *   dead-channel elimination.
 * Invalidates: ids. */
#include <stdlib.h>

#include "passes.h"

static bool always_zero(const ocrs_channel_groups *cg, const ocrs_calib *calib, const ocrs_chan_class *k) {
    if (k->pinned || calib->images == 0) return false;
    for (uint32_t m = 0; m < k->nmembers; m++) {
        const ocrs_chan_member *mb = &cg->members[k->first_member + m];
        if (mb->value >= calib->nvalues || !calib->absmax[mb->value] || calib->absmax[mb->value][mb->channel] != 0)
            return false;
    }
    return true;
}

ocrs_status pass_dead_relu(ir_graph *g, const ocrs_channel_groups *cg, const ocrs_calib *calib, FILE *report,
                           uint32_t *removed_out, ocrs_diag *diag) {
    bool *kept = malloc(sizeof(bool) * (cg->nclasses + 1));
    if (!kept) return ocrs_fail(diag, OCRS_ERR_NOMEM, "%s: out of memory", g->source);
    uint32_t removed = 0;
    for (uint32_t k = 0; k < cg->nclasses; k++) {
        kept[k] = !always_zero(cg, calib, &cg->classes[k]);
        removed += !kept[k];
    }
    *removed_out = removed;
    ocrs_status st = removed ? ocrs_remove_classes(g, cg, kept, NULL, report, diag) : OCRS_OK;
    free(kept);
    return st;
}
