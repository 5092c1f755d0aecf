#ifndef HYPER_CLIBCRYPTO_SHIM_H
#define HYPER_CLIBCRYPTO_SHIM_H

// OpenSSL's digests, for the SHA-256 a session store keeps instead of a cookie's value.
#include <openssl/evp.h>

#endif
