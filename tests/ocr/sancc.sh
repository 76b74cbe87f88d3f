#!/bin/sh
# The C compiler ocrslimc builds a library's runtime with, in sanitizer
# builds: cc with AddressSanitizer and UndefinedBehaviorSanitizer, so the
# tests watch the runtime's C as they watch the rest.
exec cc -fsanitize=address,undefined -fno-omit-frame-pointer -fno-sanitize-recover=undefined "$@"
