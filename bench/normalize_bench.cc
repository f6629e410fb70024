// bench/normalize_bench.cc: the content filter's normalizer (src/filter/normalizer.h) on made-up
// pages shaped like what the probe sees: 32 KiB HTML bodies (markup about half the bytes) in
//   (a) English, UTF-8        (b) simplified Chinese, UTF-8
//   (c) simplified Chinese, GBK, charset declared; (c') the same with no charset (uchardet)
//   (d) traditional Chinese, UTF-8 (OpenCC t2s runs)
// plus (e) plain English text and (f) a short URL. Sentences are drawn at random from a pool so
// no two pages are equal.
//
//   normalize_bench [MiB per case (default 16)]
//   normalize_bench --text-file FILE [--chunk BYTES] [--overlap BYTES]
//
// The second form normalizes only FILE, as the probe does an HTML body declared UTF-8: in pieces
// of --chunk bytes (default 1460, one TCP segment), each with the last --overlap bytes (default
// 256) of the one before.
//
// Prints MB/s of input per case on one core (this thread's CPU time, best of 3) and the
// Normalizer::Create() time.
#include <iconv.h>

#include <algorithm>
#include <cstdio>
#include <cstdlib>
#include <ctime>
#include <random>
#include <string>
#include <vector>

#include "filter/normalizer.h"
#include "lib/bench_cli.h"

namespace {

using netward::filter::NormalizeOptions;
using netward::filter::Normalizer;

double CpuSeconds() {
  timespec t;
  clock_gettime(CLOCK_THREAD_CPUTIME_ID, &t);
  return static_cast<double>(t.tv_sec) + static_cast<double>(t.tv_nsec) * 1e-9;
}

const std::vector<std::string> kEnglish = {
    "The quick brown fox jumps over the lazy dog near the river bank. ",
    "Click here to read the full article about network security trends in 2026. ",
    "Our community forum has over 10,000 members discussing hardware & software. ",
    "Terms of service, privacy policy and cookie settings are listed below. ",
    "Weather today: partly cloudy with a high of 21 degrees and light winds. ",
};
const std::vector<std::string> kSimplified = {
    "中国的互联网发展很快，我们今天讨论一下网站的内容和管理方法。",
    "本论坛欢迎大家发表意见，请遵守社区规则，文明发言。",
    "今天的天气很好，适合出去散步，晚上可能会下雨。",
    "点击这里阅读全文，了解最新的科技新闻和产品评测。",
    "公司地址：北京市海淀区中关村大街一号，联系电话见下方。",
};
const std::vector<std::string> kTraditional = {
    "中國的互聯網發展很快，我們今天討論一下網站的內容和管理方法。",
    "本論壇歡迎大家發表意見，請遵守社區規則，文明發言。",
    "今天的天氣很好，適合出去散步，晚上可能會下雨。",
    "點擊這裡閱讀全文，瞭解最新的科技新聞和產品評測。",
    "公司地址：臺北市信義區市府路一號，聯絡電話見下方。",
};

// Pages of ~page_bytes: a head with script and style, then paragraphs in divs and links.
std::vector<std::string> MakePages(const std::vector<std::string>& pool, size_t total,
                                   size_t page_bytes, std::mt19937& rng) {
  std::vector<std::string> pages;
  size_t sum = 0;
  while (sum < total) {
    std::string p =
        "<!DOCTYPE html><html><head><meta charset=\"utf-8\"><title>Page</title>"
        "<script>window.dataLayer=[];function gtag(){dataLayer.push(arguments);}</script>"
        "<style>.nav{margin:0 auto;color:#333}</style></head><body>";
    while (p.size() < page_bytes) {
      p += "<div class=\"post\"><p>";
      for (int k = 0; k < 3; ++k) p += pool[rng() % pool.size()];
      p += "</p><a href=\"/thread/" + std::to_string(rng() % 100000) +
           "?page=2&amp;sort=new\">more &raquo;</a></div>\n";
    }
    p += "</body></html>";
    sum += p.size();
    pages.push_back(std::move(p));
  }
  return pages;
}

std::string ToGbk(const std::string& utf8) {
  iconv_t cd = iconv_open("GB18030", "UTF-8");
  std::string out(utf8.size() * 2 + 16, '\0');
  char* in = const_cast<char*>(utf8.data());
  size_t in_left = utf8.size();
  char* op = out.data();
  size_t out_left = out.size();
  iconv(cd, &in, &in_left, &op, &out_left);
  iconv_close(cd);
  out.resize(out.size() - out_left);
  // The pages say utf-8 in <meta>; a GBK page says gbk.
  const size_t at = out.find("charset=\"utf-8\"");
  if (at != std::string::npos) out.replace(at, 15, "charset=\"gbk\"");
  return out;
}

void Run(const Normalizer& n, const char* name, const std::vector<std::string>& pages,
         const NormalizeOptions& o) {
  size_t bytes = 0, out_bytes = 0;
  for (const auto& p : pages) bytes += p.size();
  std::string out;
  double best = 1e9;
  for (int rep = 0; rep < 3; ++rep) {
    const double t0 = CpuSeconds();
    out_bytes = 0;
    for (const auto& p : pages) {
      n.Normalize(p, o, &out);
      out_bytes += out.size();
    }
    best = std::min(best, CpuSeconds() - t0);
  }
  std::printf("%-44s %8.1f MB/s  (%zu pages, %.1f MB in, %.1f MB out)\n", name,
              static_cast<double>(bytes) / best / 1e6, pages.size(),
              static_cast<double>(bytes) / 1e6, static_cast<double>(out_bytes) / 1e6);
}

}  // namespace

int main(int argc, char** argv) {
  size_t mib = 16;
  CLI::App app{
      "normalize_bench: the content filter's normalizer on made-up pages (English, simplified "
      "Chinese in UTF-8 and GBK, traditional Chinese, plain text, a URL); MB/s of input per case "
      "on one core, best of 3."};
  app.add_option("MIB", mib, "MiB of input per case")
      ->capture_default_str()
      ->check(CLI::Range(1.0, 4096.0));
  std::string text_file;
  size_t chunk = 1460, overlap = 256;
  app.add_option("--text-file", text_file, "normalize only this file's bytes, as an HTML body");
  app.add_option("--chunk", chunk, "piece size for --text-file")->capture_default_str();
  app.add_option("--overlap", overlap, "bytes of the previous piece scanned again")
      ->capture_default_str();
  if (int rc = netward::bench::ParseArgs(app, argc, argv); rc >= 0) return rc;
  if (!text_file.empty()) {
    std::FILE* f = std::fopen(text_file.c_str(), "rb");
    if (!f) {
      std::fprintf(stderr, "cannot open %s\n", text_file.c_str());
      return 1;
    }
    std::string all;
    char buf[1 << 16];
    for (size_t got; (got = std::fread(buf, 1, sizeof buf, f)) > 0;) all.append(buf, got);
    std::fclose(f);
    std::vector<std::string> pieces;
    for (size_t at = 0; at < all.size(); at += std::max<size_t>(chunk, 1)) {
      const size_t from = at > overlap ? at - overlap : 0;
      pieces.push_back(all.substr(from, at + chunk - from));
    }
    auto created = Normalizer::Create();
    if (!created.ok()) {
      std::fprintf(stderr, "%s\n", created.status().ToString().c_str());
      return 1;
    }
    NormalizeOptions body;
    body.is_html = true;
    body.declared_charset = "utf-8";
    Run(*created.value(), "HTML body pieces (--text-file), declared UTF-8", pieces, body);
    return 0;
  }
  const size_t total = mib << 20;
  double t0 = CpuSeconds();
  auto created = Normalizer::Create();
  if (!created.ok()) {
    std::fprintf(stderr, "%s\n", created.status().ToString().c_str());
    return 1;
  }
  std::printf("Normalizer::Create: %.1f ms\n", (CpuSeconds() - t0) * 1e3);
  const Normalizer& n = *created.value();
  std::mt19937 rng(42);
  const auto en = MakePages(kEnglish, total, 32 << 10, rng);
  const auto zh = MakePages(kSimplified, total, 32 << 10, rng);
  const auto tw = MakePages(kTraditional, total, 32 << 10, rng);
  std::vector<std::string> gbk;
  for (const auto& p : zh) gbk.push_back(ToGbk(p));
  std::vector<std::string> gbk_bare;
  for (std::string p : gbk) {
    p.replace(p.find("<meta charset=\"gbk\">"), 20, "");
    gbk_bare.push_back(std::move(p));
  }
  std::vector<std::string> text;
  for (size_t sum = 0; sum < total;) {
    std::string t;
    while (t.size() < (32 << 10)) t += kEnglish[rng() % kEnglish.size()];
    sum += t.size();
    text.push_back(std::move(t));
  }
  std::vector<std::string> urls;
  for (size_t sum = 0; sum < total / 16;) {
    std::string u = "/search?q=" + std::to_string(rng()) +
                    "+network%20security&lang=en&page=" + std::to_string(rng() % 50);
    sum += u.size();
    urls.push_back(std::move(u));
  }

  NormalizeOptions html;
  html.is_html = true;
  NormalizeOptions html_gbk = html;
  html_gbk.declared_charset = "text/html; charset=GBK";
  NormalizeOptions url;
  url.is_url = true;
  Run(n, "(a) English HTML, UTF-8", en, html);
  Run(n, "(b) simplified Chinese HTML, UTF-8", zh, html);
  Run(n, "(c) simplified Chinese HTML, GBK declared", gbk, html_gbk);
  Run(n, "(c') simplified Chinese HTML, GBK in <meta>", gbk, html);
  Run(n, "(c'') simplified Chinese HTML, GBK undeclared", gbk_bare, html);
  Run(n, "(d) traditional Chinese HTML, UTF-8", tw, html);
  Run(n, "(e) English plain text", text, {});
  Run(n, "(f) URLs (~70 bytes)", urls, url);
  return 0;
}
