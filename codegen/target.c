/* Target description: the facts about the target machine the emitters
 * need, read once from the LLVM target machine. This is the one place where
 * x86 and AArch64 differ; emitters ask cg_module.target and never test the
 * triple or features themselves. */
#include <stdlib.h>
#include <string.h>

#include <llvm-c/TargetMachine.h>

#include "cg.h"

/* CPU names (as --cpu takes them) whose implied features LLVM's C API does
 * not report: the widest vector unit they have. */
static int x86_cpu_floats(const char *cpu) {
    static const char *const avx512[] = {"skylake-avx512", "cascadelake", "cooperlake", "cannonlake", "icelake",
                                         "tigerlake", "rocketlake", "sapphirerapids", "graniterapids", "emeraldrapids",
                                         "znver4", "znver5", "x86-64-v4"};
    static const char *const avx2[] = {"haswell", "broadwell", "skylake", "alderlake", "raptorlake", "meteorlake",
                                       "znver1", "znver2", "znver3", "x86-64-v3"};
    for (size_t i = 0; i < sizeof avx512 / sizeof avx512[0]; i++)
        if (strncmp(cpu, avx512[i], strlen(avx512[i])) == 0) return 16;
    for (size_t i = 0; i < sizeof avx2 / sizeof avx2[0]; i++)
        if (strcmp(cpu, avx2[i]) == 0) return 8;
    return 4;
}

/* True when the comma-separated feature string enables feature ("+avx512f"). */
static bool has_feature(const char *features, const char *feature) {
    size_t n = strlen(feature);
    for (const char *p = features; (p = strstr(p, feature)) != NULL; p += n)
        if ((p == features || p[-1] == ',') && (p[n] == ',' || p[n] == '\0')) return true;
    return false;
}

cg_target_desc cg_target_describe(cg_target tm) {
    char *triple = LLVMGetTargetMachineTriple(tm), *features = LLVMGetTargetMachineFeatureString(tm);
    char *cpu = LLVMGetTargetMachineCPU(tm);
    /* Conservative default: 128-bit vectors, 16 registers (SSE2, generic). */
    cg_target_desc d = {.vector_floats = 4, .vector_regs = 16};
    if (strncmp(triple, "aarch64", 7) == 0 || strncmp(triple, "arm64", 5) == 0) {
        d = (cg_target_desc){.vector_floats = 4, .vector_regs = 32}; /* NEON */
    } else if (strncmp(triple, "x86_64", 6) == 0) {
        /* The host's explicit features, else the --cpu name; AVX-512 also
         * doubles the register count. */
        int floats = has_feature(features, "+avx512f")                                 ? 16
                     : has_feature(features, "+avx2") || has_feature(features, "+avx") ? 8
                                                                                       : x86_cpu_floats(cpu);
        if (floats == 16) d = (cg_target_desc){.vector_floats = 16, .vector_regs = 32};
        else if (floats == 8) d = (cg_target_desc){.vector_floats = 8, .vector_regs = 16};
        /* Every AVX-512 CPU has AVX2; a bare "+avx" has no 256-bit integers. */
        d.x86_avx2 = has_feature(features, "+avx2") || floats == 16 ||
                     (!has_feature(features, "+avx") && x86_cpu_floats(cpu) >= 8);
    }
    LLVMDisposeMessage(triple);
    LLVMDisposeMessage(features);
    LLVMDisposeMessage(cpu);
    return d;
}
