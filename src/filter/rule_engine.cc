// Compiled rules and the engine (rule_engine.h, docs/rules.md "How matching works").
//
// Per scope, every distinct keyword term of 4 bytes or more is in a LiteralMatcher
// (literal_matcher.h), and one Hyperscan block-mode database holds the shorter terms (as escaped
// literals, byte-exact: keywords and text are in the same normalized UTF-8 form) and the regexes
// that are not gated. A gated regex (regex_factors.h: every match contains one of its literal
// factors, and spans at most max_width bytes) is in a second Hyperscan database, and its factors
// are in the LiteralMatcher as triggers: that database is scanned only on the windows
// [factor end - width, factor start + width] around trigger hits (merged, in text order; the
// whole text for a regex of unbounded width). Every match of a gated regex lies in the window of
// a factor it contains, and a match inside a window is a match in the text (no anchors or
// assertions in gated regexes), so the first end a single-match regex reports over the windows,
// in order, is the one a scan of the whole text reports: results are those of scanning every
// regex over every text (CompileOptions::gate_regexes = false), which
// tests/unit/filter/regex_gating_test.cc checks. A scan only collects hits (pattern id, end
// offset); rules are evaluated after it
// from the per-term hits, so all_of/any_of/near cost nothing while a text has no term of theirs.
// Literal match starts are end - length (no start-of-match tracking needed); a regex reports
// where its match ends. Domains, URL prefixes and CIDRs are hash lookups, not scans.
#include "filter/rule_engine.h"

#include <hs.h>

#include <algorithm>
#include <array>
#include <cstdio>
#include <cstring>
#include <unordered_map>

#include "filter/literal_matcher.h"
#include "filter/regex_factors.h"
#include "filter/rule_bundle_internal.h"

namespace netward::filter {
namespace {

// Repeated hits kept per scan. A text with more term hits (a flood of one keyword) is still
// checked: the first hit of every pattern is always kept; only repeated occurrences of near
// terms beyond the cap, which near rules would consider, are dropped.
constexpr size_t kMaxHitsPerScan = 1 << 16;
// Windows of gated regexes closer than this are scanned as one.
constexpr size_t kWindowMergeGap = 64;
constexpr size_t kExcerptChars = 64;

struct TermRef {
  uint32_t rule;
  uint32_t term;
};

struct PatternInfo {
  uint32_t byte_len = 0;  // literal length; 0 for a regex (start unknown: reported at the end)
  std::vector<TermRef> refs;
  bool every = false;  // every occurrence is reported (near terms), not only the first
};

// A factor of gated regexes, in the LiteralMatcher as id trigger_base + its index.
struct Trigger {
  uint32_t len = 0;
  uint64_t width = 0;  // the widest regex it gates (RegexFactors::kUnbounded: whole text)
};

struct StringHash {
  using is_transparent = void;
  size_t operator()(std::string_view s) const { return std::hash<std::string_view>()(s); }
};
using StringMap =
    std::unordered_map<std::string, std::vector<uint32_t>, StringHash, std::equal_to<>>;

struct ScopeTables {
  hs_database_t* db = nullptr;  // ungated regexes, keywords shorter than LiteralMatcher::kMinLength
  LiteralMatcher literals;      // the other keywords (literal_matcher.h says why), triggers
  hs_database_t* gated_db = nullptr;  // gated regexes: scanned on windows around triggers
  uint32_t gated_count = 0;
  uint32_t trigger_base = UINT32_MAX;  // literal ids from here on are triggers
  std::vector<Trigger> triggers;
  std::vector<PatternInfo> patterns;
  StringMap domains;                   // domain -> rules (suffix lookup on labels)
  StringMap prefixes;                  // url prefix -> rules
  std::vector<size_t> prefix_lengths;  // distinct prefix lengths, ascending
  bool any = false;
};

struct CidrKey {
  uint64_t hi, lo;
  int bits;
  bool operator==(const CidrKey&) const = default;
};
struct CidrHash {
  size_t operator()(const CidrKey& k) const {
    return std::hash<uint64_t>()(k.hi * 0x9e3779b97f4a7c15ull ^ k.lo) ^ static_cast<size_t>(k.bits);
  }
};

CidrKey MaskedKey(const IpAddress& a, int bits) {
  uint8_t b[16];
  std::memcpy(b, a.bytes, 16);
  for (int i = 0; i < 16; ++i) {
    int keep = std::clamp(bits - 8 * i, 0, 8);
    b[i] &= static_cast<uint8_t>(0xff00 >> keep);
  }
  CidrKey k{0, 0, bits};
  for (int i = 0; i < 8; ++i) k.hi = (k.hi << 8) | b[i];
  for (int i = 8; i < 16; ++i) k.lo = (k.lo << 8) | b[i];
  return k;
}

std::atomic<uint64_t> g_next_rules_id{1};

// One thread's Hyperscan scratch, grown for every CompiledRules the thread scans with.
struct ThreadScratch {
  hs_scratch_t* scratch = nullptr;
  uint64_t grown_for = 0;
  ~ThreadScratch() {
    if (scratch) hs_free_scratch(scratch);
  }
};

struct Hit {
  uint32_t id;
  uint32_t end;
};

struct Occ {
  uint32_t rule, term, start, end;  // byte offsets
};

struct Window {
  size_t begin, end;
};

struct ThreadState {
  ThreadScratch scratch;
  std::vector<Hit> hits;
  std::vector<Hit> triggers;  // trigger index, end
  std::vector<Window> windows;
  std::vector<uint32_t> pattern_seen;  // per pattern: pattern_epoch when it had a hit
  uint32_t pattern_epoch = 0;
  std::vector<uint32_t> literal_seen;  // LiteralMatcher::Scan's scratch
  uint32_t literal_epoch = 0;
  std::vector<Occ> occs;
  std::vector<uint32_t> char_blocks;  // chars before each 256-byte block of the current text
  std::string normalized;             // Check()'s buffer
};

thread_local ThreadState t_state;

// Collects one scan's hits: every first hit of a pattern, repeats (near terms) up to the cap.
struct HitSink {
  std::vector<Hit>* hits;
  const std::vector<PatternInfo>* patterns;
  std::vector<uint32_t>* seen;
  uint32_t epoch;
  size_t repeats = 0;
  void Add(uint32_t id, uint32_t end) {
    if ((*patterns)[id].every) {
      uint32_t& stamp = (*seen)[id];
      if (stamp == epoch) {
        if (repeats >= kMaxHitsPerScan) return;
        ++repeats;
      }
      stamp = epoch;
    }
    hits->push_back({id, end});
  }
};

int OnMatch(unsigned int id, unsigned long long /*from*/, unsigned long long to,
            unsigned int /*flags*/, void* context) {
  static_cast<HitSink*>(context)->Add(id, static_cast<uint32_t>(to));
  return 0;
}

// A window scan of the gated database: keeps each regex's first hit, stops when all have one.
struct WindowSink {
  std::vector<Hit>* hits;
  std::vector<uint32_t>* seen;
  uint32_t epoch;
  size_t offset;
  uint32_t remaining;
};

int OnGatedMatch(unsigned int id, unsigned long long /*from*/, unsigned long long to,
                 unsigned int /*flags*/, void* context) {
  auto* sink = static_cast<WindowSink*>(context);
  uint32_t& stamp = (*sink->seen)[id];
  if (stamp == sink->epoch) return 0;
  stamp = sink->epoch;
  sink->hits->push_back({id, static_cast<uint32_t>(sink->offset + to)});
  return --sink->remaining == 0 ? 1 : 0;
}

bool IsCont(char c) { return (static_cast<unsigned char>(c) & 0xc0) == 0x80; }

// Byte offset -> character offset in `text`: characters before each 256-byte block, counted
// (8 bytes at a time) only up to the furthest offset asked for.
class CharIndex {
 public:
  CharIndex(std::string_view text, std::vector<uint32_t>* blocks) : text_(text), blocks_(blocks) {
    blocks_->assign(1, 0);
  }
  uint32_t operator()(size_t off) {
    off = std::min(off, text_.size());
    const size_t block = off >> 8;
    while (blocks_->size() <= block) {
      const size_t b = blocks_->size() - 1;
      blocks_->push_back(blocks_->back() + Count(b << 8, (b + 1) << 8));
    }
    return (*blocks_)[block] + Count(block << 8, off);
  }

 private:
  // Characters starting in [from, to): bytes that are not UTF-8 continuation bytes (10xxxxxx).
  uint32_t Count(size_t from, size_t to) const {
    uint32_t n = 0;
    for (; from + 8 <= to; from += 8) {
      uint64_t x;
      std::memcpy(&x, text_.data() + from, 8);
      // One bit per continuation byte (bit 7 set, bit 6 clear), summed by a multiply (no
      // popcount instruction in the baseline x86-64 target).
      const uint64_t cont = (x & ~(x << 1) & 0x8080808080808080ull) >> 7;
      n += 8 - static_cast<uint32_t>((cont * 0x0101010101010101ull) >> 56);
    }
    for (; from < to; ++from) n += !IsCont(text_[from]);
    return n;
  }
  std::string_view text_;
  std::vector<uint32_t>* blocks_;
};

std::string Excerpt(std::string_view text, size_t start, size_t end) {
  start = std::min(start, text.size());
  end = std::clamp(end, start, text.size());
  size_t p = start;
  while (p > 0 && IsCont(text[p])) --p;  // never cut a character
  for (size_t n = 0; n < kExcerptChars && p > 0; ++n) {
    --p;
    while (p > 0 && IsCont(text[p])) --p;
  }
  size_t q = end;
  while (q < text.size() && IsCont(text[q])) ++q;
  for (size_t n = 0; n < kExcerptChars && q < text.size(); ++n) {
    ++q;
    while (q < text.size() && IsCont(text[q])) ++q;
  }
  return std::string(text.substr(p, q - p));
}

std::string EscapeLiteral(std::string_view term) {
  std::string out;
  out.reserve(term.size() * 4);
  for (char ch : term) {
    unsigned char c = static_cast<unsigned char>(ch);
    if ((c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9')) {
      out.push_back(ch);
    } else {
      char buf[5];
      std::snprintf(buf, sizeof(buf), "\\x%02x", c);
      out += buf;
    }
  }
  return out;
}

// The host of a host/dns/sni value or of a URL: lower case, without port and final dot.
std::string_view HostOf(Scope scope, std::string_view text, std::string* buf) {
  if (scope == Scope::kUrl) {
    size_t p = text.find("://");
    if (p == std::string_view::npos) return {};
    text.remove_prefix(p + 3);
    text = text.substr(0, text.find_first_of("/?#"));
    if (size_t at = text.rfind('@'); at != std::string_view::npos) text.remove_prefix(at + 1);
  }
  if (!text.empty() && text.front() == '[') return {};  // an IPv6 literal: no domain
  if (size_t colon = text.find(':'); colon != std::string_view::npos) text = text.substr(0, colon);
  while (!text.empty() && text.back() == '.') text.remove_suffix(1);
  buf->assign(text);
  for (char& c : *buf) {
    if (c >= 'A' && c <= 'Z') c = static_cast<char>(c + 32);
  }
  return *buf;
}

}  // namespace

struct CompiledRules::Impl {
  std::string version;
  std::vector<Rule> rules;
  std::shared_ptr<const Normalizer> normalizer;
  std::array<ScopeTables, kScopeCount> scopes;
  std::unordered_map<CidrKey, std::vector<uint32_t>, CidrHash> cidrs;
  std::vector<int> cidr_lengths;  // distinct, longest first
  uint64_t id = 0;

  CompileStats stats;

  ~Impl() {
    for (ScopeTables& s : scopes) {
      if (s.db) hs_free_database(s.db);
      if (s.gated_db) hs_free_database(s.gated_db);
    }
  }

  void AddMatch(uint32_t rule, Scope scope, std::string excerpt, std::string why,
                Verdict* verdict) const {
    const Rule& r = rules[rule];
    if (!verdict->matched || r.action > verdict->action) verdict->action = r.action;
    verdict->matched = true;
    verdict->matches.push_back({&r, scope, std::move(excerpt), std::move(why)});
  }

  // `padded`: text is followed by LiteralMatcher::kScanPadding readable bytes (ScanPadded).
  void ScanText(Scope scope, std::string_view text, bool padded, Verdict* verdict) const;
  // Scans the gated database on the windows of ts.triggers; adds first hits to ts.hits.
  void ScanWindows(const ScopeTables& tables, std::string_view text) const;
  void CheckAddresses(Scope scope, std::string_view text, Verdict* verdict) const;
};

CompiledRules::CompiledRules() : impl_(std::make_unique<Impl>()) {}
CompiledRules::~CompiledRules() = default;

Result<std::shared_ptr<const CompiledRules>> CompiledRules::Compile(
    RuleBundle bundle, std::shared_ptr<const Normalizer> normalizer,
    std::vector<BundleProblem>* problems, const CompileOptions& options) {
  std::vector<BundleProblem> local;
  if (!problems) problems = &local;
  if (!normalizer) return Status::InvalidArgument("rules", "no normalizer");
  if (hs_valid_platform() != HS_SUCCESS) {
    return Status::NotSupported("rules", "Hyperscan needs a CPU with SSSE3");
  }
  auto rules = std::shared_ptr<CompiledRules>(new CompiledRules());
  Impl& impl = *rules->impl_;
  impl.version = std::move(bundle.version);
  impl.rules = std::move(bundle.rules);
  impl.normalizer = std::move(normalizer);
  impl.id = g_next_rules_id.fetch_add(1);
  const size_t problems_before = problems->size();

  // Keywords are matched in normalized form.
  std::string norm;
  for (Rule& r : impl.rules) {
    if (r.kind != PatternKind::kKeyword && r.kind != PatternKind::kAllOf &&
        r.kind != PatternKind::kAnyOf && r.kind != PatternKind::kNear) {
      continue;
    }
    for (std::string& term : r.terms) {
      impl.normalizer->Normalize(term, NormalizeOptions{}, &norm);
      if (norm.empty()) {
        problems->push_back({"", r.id,
                             "keyword '" + term +
                                 "' is empty once normalized (only spaces, punctuation or "
                                 "invisible characters): give letters or characters to find"});
      }
      term = norm;
    }
  }
  if (problems->size() > problems_before) {
    return Status::InvalidArgument("rules", "keywords that normalize to nothing");
  }

  for (int s = 0; s < kScopeCount; ++s) {
    const Scope scope = static_cast<Scope>(s);
    ScopeTables& tables = impl.scopes[s];
    std::vector<std::string> exprs;
    std::vector<std::string> literal_terms;  // per pattern: the keyword, empty for a regex
    std::vector<unsigned> flags;
    std::unordered_map<std::string, uint32_t> literal_ids;
    for (uint32_t ri = 0; ri < impl.rules.size(); ++ri) {
      const Rule& r = impl.rules[ri];
      if (!r.HasScope(scope)) continue;
      tables.any = true;
      rules->scopes_present_ |= uint32_t{1} << s;
      switch (r.kind) {
        case PatternKind::kKeyword:
        case PatternKind::kAllOf:
        case PatternKind::kAnyOf:
        case PatternKind::kNear:
          for (uint32_t ti = 0; ti < r.terms.size(); ++ti) {
            auto [it, fresh] =
                literal_ids.emplace(r.terms[ti], static_cast<uint32_t>(tables.patterns.size()));
            if (fresh) {
              tables.patterns.push_back({static_cast<uint32_t>(r.terms[ti].size()), {}, false});
              exprs.push_back(EscapeLiteral(r.terms[ti]));
              literal_terms.push_back(r.terms[ti]);
              flags.push_back(HS_FLAG_SINGLEMATCH);
            }
            tables.patterns[it->second].refs.push_back({ri, ti});
            // near needs every occurrence, not just the first
            if (r.kind == PatternKind::kNear) {
              flags[it->second] &= ~HS_FLAG_SINGLEMATCH;
              tables.patterns[it->second].every = true;
            }
          }
          break;
        case PatternKind::kRegex:
          tables.patterns.push_back({0, {{ri, 0}}, false});
          exprs.push_back(r.terms[0]);
          literal_terms.emplace_back();
          flags.push_back(RegexFlags(r.terms[0]));
          break;
        case PatternKind::kDomain:
          tables.domains[r.terms[0]].push_back(ri);
          break;
        case PatternKind::kUrlPrefix:
          tables.prefixes[r.terms[0]].push_back(ri);
          if (std::find(tables.prefix_lengths.begin(), tables.prefix_lengths.end(),
                        r.terms[0].size()) == tables.prefix_lengths.end()) {
            tables.prefix_lengths.push_back(r.terms[0].size());
          }
          break;
        case PatternKind::kCidr: {
          IpAddress addr;
          int bits = 0;
          if (ParseCidr(r.terms[0], &addr, &bits).empty()) {
            impl.cidrs[MaskedKey(addr, bits)].push_back(ri);
            if (std::find(impl.cidr_lengths.begin(), impl.cidr_lengths.end(), bits) ==
                impl.cidr_lengths.end()) {
              impl.cidr_lengths.push_back(bits);
            }
          }
          break;
        }
      }
    }
    std::sort(tables.prefix_lengths.begin(), tables.prefix_lengths.end());
    if (exprs.empty()) continue;
    // Keywords of 4 bytes or more go to the literal matcher, the rest to Hyperscan; regexes with
    // factors at least as long as the shortest such keyword (at most 8 bytes: longer keys do not
    // sample faster, literal_matcher.h) are gated, their factors added as triggers.
    size_t shortest = SIZE_MAX;
    for (const std::string& t : literal_terms) {
      if (t.size() >= LiteralMatcher::kMinLength) shortest = std::min(shortest, t.size());
    }
    RegexFactorOptions factor_options;
    factor_options.min_factor_bytes =
        shortest == SIZE_MAX ? 6 : std::min(shortest, LiteralMatcher::kLongLength);
    std::vector<const char*> cexprs, gated_exprs;
    std::vector<unsigned> ids, hs_flags, gated_ids, gated_flags;
    std::unordered_map<std::string, uint32_t> trigger_ids;
    std::vector<std::string> trigger_bytes;
    for (size_t i = 0; i < exprs.size(); ++i) {
      if (literal_terms[i].size() >= LiteralMatcher::kMinLength) {
        tables.literals.Add(literal_terms[i], static_cast<uint32_t>(i),
                            !(flags[i] & HS_FLAG_SINGLEMATCH));
        continue;
      }
      if (literal_terms[i].empty()) {  // a regex
        ++impl.stats.regexes;
        RegexFactors factors;
        if (options.gate_regexes) factors = ExtractRegexFactors(exprs[i], flags[i], factor_options);
        if (factors.gated) {
          ++impl.stats.gated_regexes;
          gated_exprs.push_back(exprs[i].c_str());
          gated_ids.push_back(static_cast<unsigned>(i));
          gated_flags.push_back(flags[i]);
          for (const std::string& f : factors.factors) {
            auto [it, fresh] =
                trigger_ids.emplace(f, static_cast<uint32_t>(tables.triggers.size()));
            if (fresh) {
              tables.triggers.push_back({static_cast<uint32_t>(f.size()), 0});
              trigger_bytes.push_back(f);
            }
            Trigger& t = tables.triggers[it->second];
            t.width = std::max(t.width, factors.max_width);
          }
          continue;
        }
      }
      cexprs.push_back(exprs[i].c_str());
      ids.push_back(static_cast<unsigned>(i));
      hs_flags.push_back(flags[i]);
    }
    tables.trigger_base = static_cast<uint32_t>(tables.patterns.size());
    impl.stats.factors += trigger_bytes.size();
    for (size_t t = 0; t < trigger_bytes.size(); ++t) {
      tables.literals.Add(trigger_bytes[t], tables.trigger_base + static_cast<uint32_t>(t), true);
    }
    tables.literals.Build();
    tables.gated_count = static_cast<uint32_t>(gated_exprs.size());
    auto compile = [&](const std::vector<const char*>& e, const std::vector<unsigned>& f,
                       const std::vector<unsigned>& pattern_ids, hs_database_t** db) -> Status {
      if (e.empty()) return Status::OK();
      hs_compile_error_t* error = nullptr;
      if (hs_compile_multi(e.data(), f.data(), pattern_ids.data(), static_cast<unsigned>(e.size()),
                           HS_MODE_BLOCK, nullptr, db, &error) == HS_SUCCESS) {
        return Status::OK();
      }
      std::string why = error && error->message ? error->message : "compile failed";
      std::string id;
      if (error && error->expression >= 0 &&
          static_cast<size_t>(error->expression) < pattern_ids.size()) {
        id = impl.rules[tables.patterns[pattern_ids[error->expression]].refs[0].rule].id;
      }
      hs_free_compile_error(error);
      problems->push_back({"", id,
                           "Hyperscan cannot compile it for scope " +
                               std::string(ScopeName(scope)) + ": " + why +
                               (id.empty() ? "" : " (simplify or remove the rule)")});
      return Status::InvalidArgument("rules",
                                     "scope " + std::string(ScopeName(scope)) + ": " + why);
    };
    if (Status st = compile(cexprs, hs_flags, ids, &tables.db); !st.ok()) return st;
    if (Status st = compile(gated_exprs, gated_flags, gated_ids, &tables.gated_db); !st.ok()) {
      return st;
    }
  }
  std::sort(impl.cidr_lengths.rbegin(), impl.cidr_lengths.rend());
  return std::shared_ptr<const CompiledRules>(std::move(rules));
}

const std::string& CompiledRules::version() const { return impl_->version; }
size_t CompiledRules::rule_count() const { return impl_->rules.size(); }
CompileStats CompiledRules::stats() const { return impl_->stats; }
const Normalizer& CompiledRules::normalizer() const { return *impl_->normalizer; }
std::shared_ptr<const Normalizer> CompiledRules::shared_normalizer() const {
  return impl_->normalizer;
}

void CompiledRules::Check(Scope scope, std::string_view raw, const NormalizeOptions& options,
                          Verdict* verdict) const {
  const ScopeTables& tables = impl_->scopes[static_cast<int>(scope)];
  if (!tables.any) return;
  impl_->CheckAddresses(scope, raw, verdict);
  if (!tables.db && tables.literals.empty()) return;
  std::string& norm = t_state.normalized;
  impl_->normalizer->Normalize(raw, options, &norm);
  const size_t n = norm.size();
  norm.append(LiteralMatcher::kScanPadding, '\0');  // so the matcher's loads run to the end
  impl_->ScanText(scope, std::string_view(norm.data(), n), /*padded=*/true, verdict);
}

void CompiledRules::CheckNormalized(Scope scope, std::string_view normalized,
                                    Verdict* verdict) const {
  const ScopeTables& tables = impl_->scopes[static_cast<int>(scope)];
  if (!tables.any) return;
  impl_->CheckAddresses(scope, normalized, verdict);
  if (tables.db || !tables.literals.empty())
    impl_->ScanText(scope, normalized, /*padded=*/false, verdict);
}

void CompiledRules::CheckIp(const IpAddress& address, Verdict* verdict) const {
  for (int bits : impl_->cidr_lengths) {
    auto it = impl_->cidrs.find(MaskedKey(address, bits));
    if (it == impl_->cidrs.end()) continue;
    for (uint32_t ri : it->second) {
      impl_->AddMatch(ri, Scope::kIp, address.ToString(),
                      "cidr: " + impl_->rules[ri].terms[0] + " contains " + address.ToString(),
                      verdict);
    }
  }
}

void CompiledRules::Impl::CheckAddresses(Scope scope, std::string_view text,
                                         Verdict* verdict) const {
  const ScopeTables& tables = scopes[static_cast<int>(scope)];
  if (!tables.domains.empty()) {
    std::string buf;
    std::string_view host = HostOf(scope, text, &buf);
    // "a.evil.com" looks up "a.evil.com", "evil.com", "com": a rule's domain matches itself and
    // its subdomains, never "notevil.com".
    for (size_t pos = 0; !host.empty();) {
      std::string_view suffix = host.substr(pos);
      auto it = tables.domains.find(suffix);
      if (it != tables.domains.end()) {
        for (uint32_t ri : it->second) {
          AddMatch(ri, scope, std::string(host),
                   "domain: '" + rules[ri].terms[0] + "' (host " + std::string(host) + ")",
                   verdict);
        }
      }
      size_t dot = host.find('.', pos);
      if (dot == std::string_view::npos) break;
      pos = dot + 1;
    }
  }
  if (!tables.prefixes.empty() && scope == Scope::kUrl) {
    std::string url = NormalizeUrlPrefix(text);
    for (size_t len : tables.prefix_lengths) {
      if (len > url.size()) break;
      auto it = tables.prefixes.find(std::string_view(url).substr(0, len));
      if (it == tables.prefixes.end()) continue;
      for (uint32_t ri : it->second) {
        AddMatch(ri, scope, Excerpt(url, 0, len), "url_prefix: '" + rules[ri].terms[0] + "'",
                 verdict);
      }
    }
  }
}

void CompiledRules::Impl::ScanText(Scope scope, std::string_view text, bool padded,
                                   Verdict* verdict) const {
  const ScopeTables& tables = scopes[static_cast<int>(scope)];
  ThreadState& ts = t_state;
  if (ts.scratch.grown_for != id) {
    for (const ScopeTables& s : scopes) {
      if (s.db && hs_alloc_scratch(s.db, &ts.scratch.scratch) != HS_SUCCESS) return;
      if (s.gated_db && hs_alloc_scratch(s.gated_db, &ts.scratch.scratch) != HS_SUCCESS) return;
    }
    ts.scratch.grown_for = id;
  }
  if (text.size() > UINT32_MAX) text = text.substr(0, UINT32_MAX);
  ts.hits.clear();
  ts.triggers.clear();
  if (ts.pattern_seen.size() < tables.patterns.size()) {
    ts.pattern_seen.resize(tables.patterns.size(), 0);
  }
  if (++ts.pattern_epoch == 0) {  // wrapped: forget all stamps
    std::fill(ts.pattern_seen.begin(), ts.pattern_seen.end(), 0);
    ts.pattern_epoch = 1;
  }
  HitSink sink{&ts.hits, &tables.patterns, &ts.pattern_seen, ts.pattern_epoch};
  if (tables.db && hs_scan(tables.db, text.data(), static_cast<unsigned>(text.size()), 0,
                           ts.scratch.scratch, OnMatch, &sink) != HS_SUCCESS) {
    return;
  }
  const uint32_t trigger_base = tables.trigger_base;
  auto on_literal = [&](uint32_t id, uint32_t end) {
    if (id >= trigger_base) {
      ts.triggers.push_back({id - trigger_base, end});
    } else {
      sink.Add(id, end);
    }
    return true;
  };
  if (padded) {
    tables.literals.ScanPadded(text, &ts.literal_seen, &ts.literal_epoch, on_literal);
  } else {
    tables.literals.Scan(text, &ts.literal_seen, &ts.literal_epoch, on_literal);
  }
  if (!ts.triggers.empty()) ScanWindows(tables, text);
  if (ts.hits.empty()) return;

  // Hits -> occurrences of (rule, term), grouped by rule (bundle order), term and position.
  ts.occs.clear();
  for (const Hit& h : ts.hits) {
    const PatternInfo& p = tables.patterns[h.id];
    uint32_t start = p.byte_len ? h.end - p.byte_len : h.end;
    for (const TermRef& ref : p.refs) ts.occs.push_back({ref.rule, ref.term, start, h.end});
  }
  std::sort(ts.occs.begin(), ts.occs.end(), [](const Occ& a, const Occ& b) {
    if (a.rule != b.rule) return a.rule < b.rule;
    if (a.term != b.term) return a.term < b.term;
    return a.start < b.start;
  });

  CharIndex chars(text, &ts.char_blocks);
  auto quote = [](const std::string& term) { return "'" + term + "'"; };
  for (size_t i = 0; i < ts.occs.size();) {
    size_t j = i;
    while (j < ts.occs.size() && ts.occs[j].rule == ts.occs[i].rule) ++j;
    const uint32_t ri = ts.occs[i].rule;
    const Rule& r = rules[ri];
    // First occurrence of each term present: indices into occs [i, j).
    std::vector<size_t> firsts;
    for (size_t k = i; k < j; ++k) {
      if (k == i || ts.occs[k].term != ts.occs[k - 1].term) firsts.push_back(k);
    }
    std::string why;
    size_t from = ts.occs[firsts[0]].start, to = ts.occs[firsts[0]].end;
    bool matched = false;
    switch (r.kind) {
      case PatternKind::kKeyword:
        matched = true;
        why = "keyword " + quote(r.terms[0]) + " at " + std::to_string(chars(from));
        break;
      case PatternKind::kRegex:
        matched = true;
        why = "regex: match ending at " + std::to_string(chars(to));
        break;
      case PatternKind::kAnyOf:
      case PatternKind::kAllOf: {
        matched = r.kind == PatternKind::kAnyOf || firsts.size() == r.terms.size();
        if (!matched) break;
        why = std::string(PatternKindName(r.kind)) + ":";
        // Report terms by position in the text.
        std::vector<size_t> order = firsts;
        std::sort(order.begin(), order.end(),
                  [&](size_t a, size_t b) { return ts.occs[a].start < ts.occs[b].start; });
        for (size_t n = 0; n < order.size(); ++n) {
          const Occ& o = ts.occs[order[n]];
          why +=
              (n ? ", " : " ") + quote(r.terms[o.term]) + " at " + std::to_string(chars(o.start));
        }
        from = ts.occs[order.front()].start;
        to = ts.occs[order.back()].end;
        break;
      }
      case PatternKind::kNear: {
        if (firsts.size() != r.terms.size()) break;
        // For each occurrence `a` as the leftmost term, take every other term's earliest
        // occurrence starting at or after a; the gap from a's end to the last start must be
        // at most `near` characters.
        std::vector<size_t> term_end(firsts.size());
        for (size_t t = 0; t < firsts.size(); ++t) {
          term_end[t] = t + 1 < firsts.size() ? firsts[t + 1] : j;
        }
        std::vector<size_t> chosen(firsts.size());
        for (size_t a = i; a < j && !matched; ++a) {
          const Occ& anchor = ts.occs[a];
          uint32_t last_start = anchor.start;
          bool all = true;
          for (size_t t = 0; t < firsts.size(); ++t) {
            if (ts.occs[firsts[t]].term == anchor.term) {
              chosen[t] = a;
              continue;
            }
            auto begin = ts.occs.begin() + static_cast<ptrdiff_t>(firsts[t]);
            auto end = ts.occs.begin() + static_cast<ptrdiff_t>(term_end[t]);
            auto it = std::lower_bound(begin, end, anchor.start,
                                       [](const Occ& o, uint32_t s) { return o.start < s; });
            if (it == end) {
              all = false;
              break;
            }
            chosen[t] = static_cast<size_t>(it - ts.occs.begin());
            last_start = std::max(last_start, it->start);
          }
          if (!all) continue;
          uint32_t anchor_end = chars(anchor.end), last = chars(last_start);
          if (last <= anchor_end || last - anchor_end <= r.near) {
            matched = true;
            std::sort(chosen.begin(), chosen.end(),
                      [&](size_t x, size_t y) { return ts.occs[x].start < ts.occs[y].start; });
            why = "near (within " + std::to_string(r.near) + "):";
            for (size_t n = 0; n < chosen.size(); ++n) {
              const Occ& o = ts.occs[chosen[n]];
              why += (n ? ", " : " ") + quote(r.terms[o.term]) + " at " +
                     std::to_string(chars(o.start));
              to = std::max<size_t>(to, o.end);
            }
            from = anchor.start;
          }
        }
        break;
      }
      default:
        break;
    }
    if (matched) {
      if (to - from > 4 * kExcerptChars) to = from;  // a long span: around its start only
      AddMatch(ri, scope, Excerpt(text, from, to), std::move(why), verdict);
    }
    i = j;
  }
}

void CompiledRules::Impl::ScanWindows(const ScopeTables& tables, std::string_view text) const {
  ThreadState& ts = t_state;
  const size_t n = text.size();
  ts.windows.clear();
  for (const Hit& h : ts.triggers) {
    const Trigger& t = tables.triggers[h.id];
    if (t.width == RegexFactors::kUnbounded || t.width >= n) {
      ts.windows.assign(1, Window{0, n});
      break;
    }
    const size_t w = static_cast<size_t>(t.width);
    const size_t start = h.end - t.len;
    size_t begin = h.end > w ? h.end - w : 0;
    size_t end = std::max<size_t>(h.end, std::min(n, start + w));
    // Whole characters (a UTF-8 database needs valid UTF-8).
    for (int k = 0; k < 3 && begin > 0 && IsCont(text[begin]); ++k) --begin;
    for (int k = 0; k < 3 && end < n && IsCont(text[end]); ++k) ++end;
    ts.windows.push_back({begin, end});
  }
  std::sort(ts.windows.begin(), ts.windows.end(),
            [](const Window& a, const Window& b) { return a.begin < b.begin; });
  size_t merged = 0;
  for (size_t i = 1; i < ts.windows.size(); ++i) {
    Window& cur = ts.windows[merged];
    if (ts.windows[i].begin <= cur.end + kWindowMergeGap) {
      cur.end = std::max(cur.end, ts.windows[i].end);
    } else {
      ts.windows[++merged] = ts.windows[i];
    }
  }
  ts.windows.resize(std::min(ts.windows.size(), merged + 1));
  WindowSink sink{&ts.hits, &ts.pattern_seen, ts.pattern_epoch, 0, tables.gated_count};
  for (const Window& w : ts.windows) {
    sink.offset = w.begin;
    hs_error_t err =
        hs_scan(tables.gated_db, text.data() + w.begin, static_cast<unsigned>(w.end - w.begin), 0,
                ts.scratch.scratch, OnGatedMatch, &sink);
    if (err != HS_SUCCESS) break;  // HS_SCAN_TERMINATED: every gated regex has its hit
  }
}

// --- RuleEngine --------------------------------------------------------------------------------

RuleEngine::RuleEngine() = default;

Status RuleEngine::Reload(const std::string& path, const BundleLoadOptions& options,
                          std::vector<BundleProblem>* problems) {
  std::vector<BundleProblem> local;
  if (!problems) problems = &local;
  auto bundle = LoadBundle(path, options, problems);
  if (!bundle.ok()) return bundle.status();
  std::shared_ptr<const Normalizer> normalizer;
  if (auto current = Current()) {
    normalizer = current->shared_normalizer();
  } else {
    auto created = Normalizer::Create();
    if (!created.ok()) return created.status();
    normalizer = std::move(created.value());
  }
  auto compiled = CompiledRules::Compile(std::move(bundle.value()), normalizer, problems);
  if (!compiled.ok()) return compiled.status();
  Install(std::move(compiled.value()));
  return Status::OK();
}

void RuleEngine::Install(std::shared_ptr<const CompiledRules> rules) {
  current_.store(std::move(rules));
}

std::shared_ptr<const CompiledRules> RuleEngine::Current() const { return current_.load(); }

}  // namespace netward::filter
