#include "static_files.hpp"

#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <algorithm>
#include <array>
#include <cerrno>
#include <exception>
#include <filesystem>
#include <optional>
#include <string_view>
#include <system_error>

namespace notify::websocket {
namespace {

namespace fs = std::filesystem;

constexpr size_t max_file_size = size_t{16} * 1024 * 1024;

constexpr std::string_view security_headers =
    "Content-Security-Policy: default-src 'none'; img-src 'self' data:; script-src 'self'; "
    "style-src 'self'; font-src 'self'; connect-src 'self' ws: wss:; frame-ancestors 'none'; "
    "base-uri 'none'; form-action 'self'\r\n"
    "X-Content-Type-Options: nosniff\r\n"
    "X-Frame-Options: DENY\r\n"
    "Referrer-Policy: no-referrer\r\n";

constexpr std::string_view plain_text = "text/plain; charset=utf-8";

struct Status {
    int code;
    std::string_view reason;
};
constexpr Status ok{200, "OK"};
constexpr Status bad_request{400, "Bad Request"};
constexpr Status forbidden{403, "Forbidden"};
constexpr Status not_found{404, "Not Found"};
constexpr Status method_not_allowed{405, "Method Not Allowed"};
constexpr Status server_error{500, "Internal Server Error"};

// `content_length` is the body's, also for HEAD, which leaves the body itself out.
std::string render(const HttpRequest &request, Status status, std::string_view content_type,
                   size_t content_length, std::string_view body,
                   std::string_view extra_headers = {}) {
    // Answer in the client's version; HTTP/1.1 for anything we do not know it to speak.
    std::string response = request.version == "HTTP/1.0" ? "HTTP/1.0 " : "HTTP/1.1 ";
    response += std::to_string(status.code);
    response += ' ';
    response += status.reason;
    response += "\r\nContent-Type: ";
    response += content_type;
    response += "\r\nContent-Length: ";
    response += std::to_string(content_length);
    response += "\r\n";
    response += security_headers;
    response += extra_headers;
    response += "Connection: close\r\n\r\n";
    if (request.method != "HEAD") {
        response += body;
    }
    return response;
}

std::string render_error(const HttpRequest &request, Status status, std::string_view body,
                         std::string_view extra_headers = {}) {
    return render(request, status, plain_text, body.size(), body, extra_headers);
}

std::optional<int> hex_value(char c) {
    if (c >= '0' && c <= '9') {
        return c - '0';
    }
    if (c >= 'a' && c <= 'f') {
        return c - 'a' + 10;
    }
    if (c >= 'A' && c <= 'F') {
        return c - 'A' + 10;
    }
    return std::nullopt;
}

// nullopt for a '%' not followed by two hex digits.
std::optional<std::string> percent_decode(std::string_view encoded) {
    std::string decoded;
    decoded.reserve(encoded.size());
    for (size_t i = 0; i < encoded.size(); ++i) {
        if (encoded[i] != '%') {
            decoded += encoded[i];
            continue;
        }
        if (i + 2 >= encoded.size()) {
            return std::nullopt;
        }
        const auto high = hex_value(encoded[i + 1]);
        const auto low = hex_value(encoded[i + 2]);
        if (!high || !low) {
            return std::nullopt;
        }
        decoded += static_cast<char>(*high * 16 + *low);
        i += 2;
    }
    return decoded;
}

char to_lower(char c) { return (c >= 'A' && c <= 'Z') ? static_cast<char>(c - 'A' + 'a') : c; }

std::string_view content_type_for(const fs::path &file) {
    struct Mapping {
        std::string_view extension;
        std::string_view type;
    };
    static constexpr std::array<Mapping, 16> types{{
        {".html", "text/html; charset=utf-8"},
        {".htm", "text/html; charset=utf-8"},
        {".js", "text/javascript; charset=utf-8"},
        {".mjs", "text/javascript; charset=utf-8"},
        {".css", "text/css; charset=utf-8"},
        {".txt", "text/plain; charset=utf-8"},
        {".json", "application/json"},
        {".map", "application/json"},
        {".svg", "image/svg+xml"},
        {".png", "image/png"},
        {".jpg", "image/jpeg"},
        {".jpeg", "image/jpeg"},
        {".gif", "image/gif"},
        {".ico", "image/x-icon"},
        {".wasm", "application/wasm"},
        {".webp", "image/webp"},
    }};
    std::string extension = file.extension().string();
    for (char &c : extension) {
        c = to_lower(c);
    }
    for (const Mapping &mapping : types) {
        if (mapping.extension == extension) {
            return mapping.type;
        }
    }
    return "application/octet-stream";
}

// Both paths canonical: compares whole components, so "/www2" is not inside "/www".
bool is_within(const fs::path &file, const fs::path &root) {
    auto file_part = file.begin();
    for (const fs::path &root_part : root) {
        if (file_part == file.end() || *file_part != root_part) {
            return false;
        }
        ++file_part;
    }
    return true;
}

// The canonical form of `path` (every symlink resolved) when it exists inside `root`.
std::optional<fs::path> resolve_inside(const fs::path &path, const fs::path &root) {
    std::error_code error;
    fs::path resolved = fs::canonical(path, error);
    if (error || !is_within(resolved, root)) {
        return std::nullopt;
    }
    return resolved;
}

enum class ReadOutcome { read, missing, denied, too_large, failed };

// Opens without following a last-component symlink and without blocking (a FIFO would wait for
// a writer), then checks on the open descriptor, so the file read is the file checked.
ReadOutcome read_regular_file(const fs::path &file, bool want_content, std::string &content,
                              size_t &size) {
    const int fd = ::open(file.c_str(), O_RDONLY | O_CLOEXEC | O_NOCTTY | O_NONBLOCK | O_NOFOLLOW);
    if (fd < 0) {
        return errno == EACCES ? ReadOutcome::denied : ReadOutcome::missing;
    }
    struct FdCloser {
        int fd;
        ~FdCloser() { ::close(fd); }
    } closer{fd};
    struct stat info {};
    if (::fstat(fd, &info) != 0) {
        return ReadOutcome::failed;
    }
    if (!S_ISREG(info.st_mode)) {
        return ReadOutcome::missing;
    }
    size = static_cast<size_t>(info.st_size);
    if (size > max_file_size) {
        return ReadOutcome::too_large;
    }
    if (!want_content) {
        return ReadOutcome::read;
    }
    content.resize(size);
    size_t filled = 0;
    while (filled < size) {
        const ssize_t got = ::read(fd, content.data() + filled, size - filled);
        if (got < 0 && errno == EINTR) {
            continue;
        }
        if (got < 0) {
            return ReadOutcome::failed;
        }
        if (got == 0) {
            break;  // the file shrank since fstat: serve what is there
        }
        filled += static_cast<size_t>(got);
    }
    content.resize(filled);
    size = filled;
    return ReadOutcome::read;
}

std::string serve(const std::string &root, const HttpRequest &request) {
    if (root.empty()) {
        return render_error(request, not_found, "not found\n");
    }
    if (request.method != "GET" && request.method != "HEAD") {
        return render_error(request, method_not_allowed, "method not allowed\n",
                            "Allow: GET, HEAD\r\n");
    }
    if (request.target.empty() || request.target.front() != '/') {
        return render_error(request, not_found, "not found\n");
    }
    const std::optional<std::string> decoded = percent_decode(request.target);
    if (!decoded) {
        return render_error(request, bad_request, "bad percent-encoding in the path\n");
    }
    // Refused before touching the file system: no name we serve needs them, and ".." in any
    // spelling is how a request climbs out of the folder.
    if (decoded->find("..") != std::string::npos ||
        decoded->find('\0') != std::string::npos || decoded->find('\\') != std::string::npos) {
        return render_error(request, not_found, "not found\n");
    }

    std::error_code error;
    const fs::path canonical_root = fs::canonical(root, error);
    if (error) {
        return render_error(request, not_found, "not found\n");
    }
    // Leading slashes stripped, or the joined path would start again at "/".
    const size_t relative_start = std::min(decoded->find_first_not_of('/'), decoded->size());
    const std::string_view relative = std::string_view(*decoded).substr(relative_start);
    std::optional<fs::path> file = resolve_inside(canonical_root / relative, canonical_root);
    if (file && fs::is_directory(*file, error)) {
        file = resolve_inside(*file / "index.html", canonical_root);
    }
    if (!file) {
        return render_error(request, not_found, "not found\n");
    }

    std::string content;
    size_t size = 0;
    switch (read_regular_file(*file, request.method == "GET", content, size)) {
        case ReadOutcome::read:
            break;
        case ReadOutcome::missing:
            return render_error(request, not_found, "not found\n");
        case ReadOutcome::denied:
            return render_error(request, forbidden, "forbidden\n");
        case ReadOutcome::too_large:
            return render_error(request, server_error, "file too large to serve\n");
        case ReadOutcome::failed:
            return render_error(request, server_error, "cannot read the file\n");
    }
    return render(request, ok, content_type_for(*file), size, content);
}

}  // namespace

std::string static_response(const std::string &root, const HttpRequest &request) {
    try {
        return serve(root, request);
    } catch (const std::exception &) {
        // Allocation or path errors the file system layer throws; the client gets a 500, the
        // event loop keeps running.
        return render_error(request, server_error, "internal error\n");
    }
}

}  // namespace notify::websocket
