// Plain HTTP answers from the static folder, and everything that must not leave it.
#include "static_files.hpp"

#include "http_response_parts.hpp"

#include <gtest/gtest.h>
#include <sys/stat.h>
#include <unistd.h>

#include <chrono>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <optional>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

namespace notify::websocket {
namespace {

namespace fs = std::filesystem;

constexpr std::string_view csp =
    "default-src 'none'; img-src 'self' data:; script-src 'self'; style-src 'self'; "
    "font-src 'self'; connect-src 'self' ws: wss:; frame-ancestors 'none'; base-uri 'none'; "
    "form-action 'self'";
constexpr std::string_view secret = "TOP-SECRET-CONTENT";

HttpRequest request(std::string method, std::string target, std::string version = "HTTP/1.1") {
    HttpRequest result;
    result.method = std::move(method);
    result.target = std::move(target);
    result.version = std::move(version);
    result.host = "x";
    return result;
}

// Every response, whatever its status: well formed, closing, with the security headers.
void expect_well_formed(const Response &response, bool head) {
    EXPECT_EQ(response.header("Connection"), "close");
    EXPECT_EQ(response.header("Content-Security-Policy"), csp);
    EXPECT_EQ(response.header("X-Content-Type-Options"), "nosniff");
    EXPECT_EQ(response.header("X-Frame-Options"), "DENY");
    EXPECT_EQ(response.header("Referrer-Policy"), "no-referrer");
    ASSERT_TRUE(response.header("Content-Length").has_value());
    if (head) {
        EXPECT_TRUE(response.body.empty());
    } else {
        EXPECT_EQ(response.header("Content-Length"), std::to_string(response.body.size()));
    }
}

// www/ is the served root; secret.txt and www2/ lie next to it.
class StaticFiles : public testing::Test {
protected:
    void SetUp() override {
        std::string pattern = (fs::temp_directory_path() / "notify-static-XXXXXX").string();
        ASSERT_NE(mkdtemp(pattern.data()), nullptr);
        base_ = pattern;
        root_ = (base_ / "www").string();
        write("www/index.html", "<h1>notify demo</h1>");
        write("www/app.js", "console.log('hi');");
        write("secret.txt", std::string(secret));
        write("www2/secret.txt", std::string(secret));
    }
    void TearDown() override {
        std::error_code ignored;
        fs::permissions(base_ / "www", fs::perms::owner_all, fs::perm_options::add, ignored);
        fs::remove_all(base_, ignored);
    }

    void write(const std::string &relative, const std::string &content) const {
        const fs::path path = base_ / relative;
        fs::create_directories(path.parent_path());
        std::ofstream(path, std::ios::binary) << content;
    }
    fs::path path(const std::string &relative) const { return base_ / relative; }

    Response get(const std::string &target, std::string version = "HTTP/1.1") const {
        const Response response =
            split(static_response(root_, request("GET", target, std::move(version))));
        expect_well_formed(response, false);
        return response;
    }

    fs::path base_;
    std::string root_;
};

TEST_F(StaticFiles, WithoutRootEverythingIs404) {
    for (const char *version : {"HTTP/1.0", "HTTP/1.1"}) {
        const Response response = split(static_response("", request("GET", "/", version)));
        EXPECT_EQ(response.status_line, std::string(version) + " 404 Not Found");
        EXPECT_EQ(response.header("Content-Type"), "text/plain; charset=utf-8");
        expect_well_formed(response, false);
    }
}

TEST_F(StaticFiles, ServesIndexForTheRootInTheRequestsVersion) {
    const Response index = get("/");
    EXPECT_EQ(index.status_line, "HTTP/1.1 200 OK");
    EXPECT_EQ(index.body, "<h1>notify demo</h1>");
    EXPECT_EQ(index.header("Content-Type"), "text/html; charset=utf-8");

    const Response http10 = get("/", "HTTP/1.0");
    EXPECT_EQ(http10.status_line, "HTTP/1.0 200 OK");
    EXPECT_EQ(http10.body, "<h1>notify demo</h1>");
    EXPECT_EQ(get("/app.js", "HTTP/1.0").status_line, "HTTP/1.0 200 OK");
    EXPECT_EQ(get("/nothing", "HTTP/1.0").status_line, "HTTP/1.0 404 Not Found");

    EXPECT_EQ(get("/index.html").body, "<h1>notify demo</h1>");
    EXPECT_EQ(get("//index.html").body, "<h1>notify demo</h1>");
    EXPECT_EQ(get("/./index.html").body, "<h1>notify demo</h1>");
}

TEST_F(StaticFiles, ServesDirectoriesThroughTheirIndex) {
    write("www/sub/index.html", "sub index");
    write("www/sub/page.txt", "page");
    fs::create_directories(path("www/empty"));
    EXPECT_EQ(get("/sub").body, "sub index");
    EXPECT_EQ(get("/sub/").body, "sub index");
    EXPECT_EQ(get("/sub/page.txt").body, "page");
    EXPECT_EQ(get("/empty").status_line, "HTTP/1.1 404 Not Found");
    EXPECT_EQ(get("/empty/").status_line, "HTTP/1.1 404 Not Found");
    EXPECT_EQ(get("/sub/page.txt/").status_line, "HTTP/1.1 404 Not Found");
}

TEST_F(StaticFiles, MissingFilesAre404WithAPlainTextBody) {
    const Response missing = get("/missing.html");
    EXPECT_EQ(missing.status_line, "HTTP/1.1 404 Not Found");
    EXPECT_EQ(missing.header("Content-Type"), "text/plain; charset=utf-8");
    EXPECT_FALSE(missing.body.empty());
    EXPECT_EQ(get("/missing/deeper.js").status_line, "HTTP/1.1 404 Not Found");
    EXPECT_EQ(get("/index.html/x").status_line, "HTTP/1.1 404 Not Found");
    const Response no_root =
        split(static_response((base_ / "absent").string(), request("GET", "/")));
    EXPECT_EQ(no_root.status_line, "HTTP/1.1 404 Not Found");
}

TEST_F(StaticFiles, NamesTheContentTypeByExtension) {
    const std::vector<std::pair<std::string, std::string>> cases = {
        {"a.html", "text/html; charset=utf-8"},
        {"a.HTM", "text/html; charset=utf-8"},
        {"a.js", "text/javascript; charset=utf-8"},
        {"a.mjs", "text/javascript; charset=utf-8"},
        {"a.css", "text/css; charset=utf-8"},
        {"a.json", "application/json"},
        {"a.js.map", "application/json"},
        {"a.svg", "image/svg+xml"},
        {"a.png", "image/png"},
        {"a.PNG", "image/png"},
        {"a.jpg", "image/jpeg"},
        {"a.jpeg", "image/jpeg"},
        {"a.gif", "image/gif"},
        {"a.ico", "image/x-icon"},
        {"a.txt", "text/plain; charset=utf-8"},
        {"a.wasm", "application/wasm"},
        {"a.bin", "application/octet-stream"},
        {"noextension", "application/octet-stream"},
        {"a.html.bak", "application/octet-stream"},
    };
    for (const auto &[name, type] : cases) {
        write("www/types/" + name, "content of " + name);
        const Response response = get("/types/" + name);
        EXPECT_EQ(response.status_line, "HTTP/1.1 200 OK") << name;
        EXPECT_EQ(response.header("Content-Type"), type) << name;
        EXPECT_EQ(response.body, "content of " + name);
    }
}

TEST_F(StaticFiles, HeadGetsTheHeadersWithTheRealLengthAndNoBody) {
    const std::string body(12345, 'z');
    write("www/big.txt", body);
    const std::string text = static_response(root_, request("HEAD", "/big.txt"));
    const Response response = split(text);
    EXPECT_EQ(response.status_line, "HTTP/1.1 200 OK");
    EXPECT_EQ(response.header("Content-Length"), "12345");
    EXPECT_EQ(response.header("Content-Type"), "text/plain; charset=utf-8");
    EXPECT_TRUE(text.ends_with("\r\n\r\n"));
    expect_well_formed(response, true);

    const Response missing = split(static_response(root_, request("HEAD", "/nope", "HTTP/1.0")));
    EXPECT_EQ(missing.status_line, "HTTP/1.0 404 Not Found");
    expect_well_formed(missing, true);
    EXPECT_NE(missing.header("Content-Length"), "0");
}

TEST_F(StaticFiles, OtherMethodsGet405WithAllow) {
    for (const char *method : {"POST", "PUT", "DELETE", "OPTIONS", "get", "PATCH"}) {
        const Response response = split(static_response(root_, request(method, "/index.html")));
        EXPECT_EQ(response.status_line, "HTTP/1.1 405 Method Not Allowed") << method;
        EXPECT_EQ(response.header("Allow"), "GET, HEAD");
        expect_well_formed(response, false);
        EXPECT_EQ(response.body.find("notify demo"), std::string::npos);
    }
    const Response options = split(static_response(root_, request("OPTIONS", "*")));
    EXPECT_EQ(options.status_line, "HTTP/1.1 405 Method Not Allowed");
}

TEST_F(StaticFiles, RefusesEveryTraversal) {
    write("www/a/file.txt", "a");
    for (const char *target :
         {"/../secret.txt", "/%2e%2e/secret.txt", "/..%2fsecret.txt", "/a/../../secret.txt",
          "//../secret.txt", "/%2E%2E/secret.txt", "/.%2e/secret.txt",
          "/a/%2e%2e/%2e%2e/secret.txt", "/..", "/../www2/secret.txt", "/..%5csecret.txt",
          "/%5c..%5csecret.txt", "/a\\..\\..\\secret.txt", "/a/..",
          "/%2e%2e%2f%2e%2e%2fetc%2fpasswd", "/%252e%252e/secret.txt"}) {
        for (const char *method : {"GET", "HEAD"}) {
            const std::string text = static_response(root_, request(method, target));
            EXPECT_EQ(text.find(secret), std::string::npos) << target;
            const Response response = split(text);
            EXPECT_NE(response.status_line.substr(9, 3), "200") << method << " " << target;
        }
    }
}

TEST_F(StaticFiles, RefusesAbsolutePathsNulAndBadEscapes) {
    const std::string absolute = "/" + path("secret.txt").string();  // "//tmp/.../secret.txt"
    EXPECT_EQ(get(absolute).status_line, "HTTP/1.1 404 Not Found");
    EXPECT_EQ(get("/index.html%00.png").status_line, "HTTP/1.1 404 Not Found");
    EXPECT_EQ(get("/index.html%00").status_line, "HTTP/1.1 404 Not Found");
    EXPECT_EQ(get("index.html").status_line, "HTTP/1.1 404 Not Found");
    EXPECT_EQ(get("").status_line, "HTTP/1.1 404 Not Found");
    EXPECT_EQ(get("*").status_line, "HTTP/1.1 404 Not Found");
    for (const char *target : {"/%zz", "/%", "/%4", "/index.html%", "/%g0"}) {
        EXPECT_EQ(get(target).status_line, "HTTP/1.1 400 Bad Request") << target;
    }
}

TEST_F(StaticFiles, DecodesPercentEscapes) {
    write("www/a b.txt", "spaced");
    write("www/caf\xc3\xa9.txt", "accent");
    EXPECT_EQ(get("/a%20b.txt").body, "spaced");
    EXPECT_EQ(get("/caf%C3%A9.txt").body, "accent");
    EXPECT_EQ(get("/%61pp.js").body, "console.log('hi');");
    EXPECT_EQ(get("/a+b.txt").status_line, "HTTP/1.1 404 Not Found");  // '+' is not a space
}

TEST_F(StaticFiles, DoesNotFollowSymlinksOutOfTheRoot) {
    fs::create_symlink(path("secret.txt"), path("www/link.txt"));
    fs::create_symlink("../secret.txt", path("www/relative-link.txt"));
    fs::create_directory_symlink(base_, path("www/up"));
    fs::create_directory_symlink(path("www2"), path("www/sibling"));
    fs::create_directories(path("www/escape"));
    fs::create_symlink(path("secret.txt"), path("www/escape/index.html"));
    for (const char *target : {"/link.txt", "/relative-link.txt", "/up/secret.txt",
                               "/sibling/secret.txt", "/escape", "/escape/", "/up", "/up/"}) {
        const std::string text = static_response(root_, request("GET", target));
        EXPECT_EQ(text.find(secret), std::string::npos) << target;
        EXPECT_EQ(split(text).status_line, "HTTP/1.1 404 Not Found") << target;
    }
}

TEST_F(StaticFiles, FollowsSymlinksThatStayInside) {
    fs::create_symlink("app.js", path("www/alias.js"));
    fs::create_directories(path("www/real"));
    write("www/real/f.css", "body{}");
    fs::create_directory_symlink("real", path("www/linked"));
    EXPECT_EQ(get("/alias.js").body, "console.log('hi');");
    const Response css = get("/linked/f.css");
    EXPECT_EQ(css.body, "body{}");
    EXPECT_EQ(css.header("Content-Type"), "text/css; charset=utf-8");
}

TEST_F(StaticFiles, RootMayBeASymlinkOrEndInASlash) {
    fs::create_directory_symlink(path("www"), path("www-link"));
    EXPECT_EQ(split(static_response(path("www-link").string(), request("GET", "/app.js"))).body,
              "console.log('hi');");
    EXPECT_EQ(split(static_response(root_ + "/", request("GET", "/app.js"))).body,
              "console.log('hi');");
    EXPECT_EQ(split(static_response(path("www-link").string(), request("GET", "/../secret.txt")))
                  .status_line,
              "HTTP/1.1 404 Not Found");
}

TEST_F(StaticFiles, ServesOnlyRegularFiles) {
    ASSERT_EQ(mkfifo(path("www/pipe.txt").c_str(), 0600), 0);
    const auto start = std::chrono::steady_clock::now();
    EXPECT_EQ(get("/pipe.txt").status_line, "HTTP/1.1 404 Not Found");
    EXPECT_LT(std::chrono::steady_clock::now() - start, std::chrono::seconds(2));
    if (fs::exists("/dev/null")) {
        fs::create_symlink("/dev/null", path("www/null.txt"));
        EXPECT_EQ(get("/null.txt").status_line, "HTTP/1.1 404 Not Found");
    }
}

TEST_F(StaticFiles, RefusesFilesLargerThan16MiB) {
    constexpr uintmax_t limit = 16u * 1024 * 1024;
    write("www/limit.bin", "");
    fs::resize_file(path("www/limit.bin"), limit);  // sparse: no 16 MiB written
    write("www/over.bin", "");
    fs::resize_file(path("www/over.bin"), limit + 1);

    const Response at_limit = get("/limit.bin");
    EXPECT_EQ(at_limit.status_line, "HTTP/1.1 200 OK");
    EXPECT_EQ(at_limit.body.size(), limit);

    const Response over = get("/over.bin");
    EXPECT_EQ(over.status_line, "HTTP/1.1 500 Internal Server Error");
    EXPECT_NE(over.body.find("too large"), std::string::npos) << over.body;
    const Response head = split(static_response(root_, request("HEAD", "/over.bin")));
    EXPECT_EQ(head.status_line, "HTTP/1.1 500 Internal Server Error");
}

TEST_F(StaticFiles, UnreadableFilesAreNotServed) {
    if (geteuid() == 0) {
        GTEST_SKIP() << "root reads files regardless of their mode";
    }
    write("www/private.txt", "private");
    fs::permissions(path("www/private.txt"), fs::perms::none);
    const Response response = get("/private.txt");
    EXPECT_EQ(response.status_line, "HTTP/1.1 403 Forbidden");
    EXPECT_EQ(response.body.find("private"), std::string::npos);
}

}  // namespace
}  // namespace notify::websocket
