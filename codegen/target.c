/* Target description: the facts about the target machine the emitters
 * need, read once from the LLVM target machine. This is the one place where
 * x86 and AArch64 differ; emitters ask cg_module.target and never test the
 * triple or features themselves. */
#include <stdlib.h>
#include <string.h>

#include <llvm-c/TargetMachine.h>

#include "cg.h"

/* CPU names (as --cpu takes them) whose implied features LLVM's C API does
 * not report: the widest vector unit they have, and whether they have
 * vpdpbusd. */
static const struct {
    const char *name;
    int floats;
    bool vnni;
} x86_cpus[] = {
    {"skylake-avx512", 16, false}, {"cascadelake", 16, true}, {"cooperlake", 16, true},  {"cannonlake", 16, false},
    {"icelake", 16, true},         {"tigerlake", 16, true},   {"rocketlake", 16, true},  {"sapphirerapids", 16, true},
    {"graniterapids", 16, true},   {"emeraldrapids", 16, true}, {"znver4", 16, true},    {"znver5", 16, true},
    {"x86-64-v4", 16, false},      {"alderlake", 8, true},    {"raptorlake", 8, true},   {"meteorlake", 8, true},
    {"haswell", 8, false},         {"broadwell", 8, false},   {"skylake", 8, false},     {"znver1", 8, false},
    {"znver2", 8, false},          {"znver3", 8, false},      {"x86-64-v3", 8, false},
};

/* AArch64 CPU names (prefixes, as --cpu takes them) with sdot. Compiling on
 * such a host, its "+dotprod" feature says it; a CPU missing here gets the
 * 32-bit products (correct, slower). */
static const char *const arm_dotprod_cpus[] = {
    "cortex-a55", "cortex-a65", "cortex-a75", "cortex-a76", "cortex-a77", "cortex-a78", "cortex-a510",
    "cortex-a520", "cortex-a710", "cortex-a715", "cortex-a720", "cortex-x", "neoverse-", "apple-a13",
    "apple-a14", "apple-a15", "apple-a16", "apple-a17", "apple-m", "ampere1", "exynos-m4", "exynos-m5",
    "tsv110", "oryon-",
};

static bool arm_dotprod_cpu(const char *cpu) {
    for (int i = 0; i < (int)(sizeof arm_dotprod_cpus / sizeof arm_dotprod_cpus[0]); i++)
        if (strncmp(cpu, arm_dotprod_cpus[i], strlen(arm_dotprod_cpus[i])) == 0) return true;
    return false;
}

/* The entry of cpu (a prefix match for the AVX-512 ones: "icelake-server"), or -1. */
static int x86_cpu(const char *cpu) {
    for (int i = 0; i < (int)(sizeof x86_cpus / sizeof x86_cpus[0]); i++) {
        size_t n = strlen(x86_cpus[i].name);
        if (x86_cpus[i].floats == 16 ? strncmp(cpu, x86_cpus[i].name, n) == 0 : strcmp(cpu, x86_cpus[i].name) == 0)
            return i;
    }
    return -1;
}

static int x86_cpu_floats(const char *cpu) {
    int i = x86_cpu(cpu);
    return i < 0 ? 4 : x86_cpus[i].floats;
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
        d.arm_dotprod = has_feature(features, "+dotprod") || arm_dotprod_cpu(cpu);
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
        /* vpdpbusd at the vector width: 512-bit is AVX512-VNNI's (every
         * AVX-512 CPU with VNNI has it), 256-bit AVX-VNNI's. */
        int named = x86_cpu(cpu);
        bool listed = has_feature(features, "+avx") || has_feature(features, "+avx2") || has_feature(features, "+avx512f");
        d.x86_vnni = d.x86_avx2 && ((!listed && named >= 0 && x86_cpus[named].vnni) ||
                                    has_feature(features, floats == 16 ? "+avx512vnni" : "+avxvnni"));
    }
    LLVMDisposeMessage(triple);
    LLVMDisposeMessage(features);
    LLVMDisposeMessage(cpu);
    return d;
}
