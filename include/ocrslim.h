/* ocrslim compiler library: public interface.
 *
 * Every function reports failure through an ocrs_status; the message that
 * explains it (file, node, op) is written into a caller-owned buffer. */
#ifndef OCRSLIM_H
#define OCRSLIM_H

#ifdef __cplusplus
extern "C" {
#endif

typedef enum {
    OCRS_OK = 0,
    OCRS_ERR_IO,          /* a file could not be read or written */
    OCRS_ERR_PARSE,       /* the model file is not valid ONNX protobuf */
    OCRS_ERR_UNSUPPORTED, /* valid model, but an op or attribute we do not handle */
    OCRS_ERR_INVALID,     /* the model breaks its own rules (shapes, cycles, names) */
    OCRS_ERR_NOMEM,
    OCRS_ERR_TOOL,        /* LLVM or the system linker failed */
    OCRS_ERR_USAGE,       /* bad command-line arguments */
} ocrs_status;

const char *ocrs_status_name(ocrs_status s);

#ifdef __cplusplus
}
#endif

#endif
