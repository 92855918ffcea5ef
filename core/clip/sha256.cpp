#include "clip/sha256.h"

#include "io/error.h"

#include <openssl/evp.h>

#include <cerrno>
#include <cstring>
#include <fstream>
#include <vector>

namespace hoi::clip {

struct Sha256::Ctx {
    EVP_MD_CTX* md = nullptr;
    ~Ctx() {
        if (md) EVP_MD_CTX_free(md);
    }
};

Sha256::Sha256() : ctx_(std::make_unique<Ctx>()) {
    ctx_->md = EVP_MD_CTX_new();
    if (!ctx_->md || EVP_DigestInit_ex(ctx_->md, EVP_sha256(), nullptr) != 1)
        throw Error(ErrorKind::Internal, "OpenSSL could not initialise SHA-256");
}

Sha256::~Sha256() = default;

void Sha256::update(const void* data, size_t size) {
    if (size && EVP_DigestUpdate(ctx_->md, data, size) != 1) throw Error(ErrorKind::Internal, "SHA-256 update failed");
}

std::string Sha256::hex() {
    unsigned char digest[EVP_MAX_MD_SIZE];
    unsigned int len = 0;
    if (EVP_DigestFinal_ex(ctx_->md, digest, &len) != 1) throw Error(ErrorKind::Internal, "SHA-256 final failed");
    static const char* k = "0123456789abcdef";
    std::string out;
    for (unsigned i = 0; i < len; ++i) {
        out.push_back(k[digest[i] >> 4]);
        out.push_back(k[digest[i] & 15]);
    }
    return out;
}

std::string sha256_hex(std::string_view data) {
    Sha256 h;
    h.update(data);
    return h.hex();
}

std::string sha256_file(const std::string& path) {
    std::ifstream in(path, std::ios::binary);
    if (!in) throw_input("cannot read " + path + ": " + std::strerror(errno));
    Sha256 h;
    std::vector<char> buf(1 << 20);
    while (in) {
        in.read(buf.data(), static_cast<std::streamsize>(buf.size()));
        h.update(buf.data(), static_cast<size_t>(in.gcount()));
    }
    if (in.bad()) throw_input("error while reading " + path);
    return h.hex();
}

} // namespace hoi::clip
