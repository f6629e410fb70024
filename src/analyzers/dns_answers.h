// src/analyzers/dns_answers.h: the address answers of one DNS response, without the analyzer.
// The probe's reader thread calls this on UDP DNS responses before packets are spread over
// workers, so the name cache is filled in packet order and a session's `host` does not depend
// on which worker ran first. Never reads outside `message`; allocates only the name string.
#pragma once

#include <cstdint>
#include <span>
#include <string_view>

#include "common/ip_address.h"

namespace netward::analyzers {

// Calls fn(question_name, address, ttl) for each A/AAAA record in the answer section of the
// response `message` (a DNS message without the TCP length prefix). question_name is the first
// question's name, lowercased, so CNAME chains name the address by what the client asked.
// Returns false (having called fn for nothing or for what came before the damage) if the
// message is not a well-formed response.
template <typename Fn>
bool ForEachDnsAddressAnswer(std::span<const uint8_t> message, Fn&& fn);

namespace detail {
using DnsAnswerFn = void (*)(void* ctx, std::string_view name, const IpAddress& address,
                             uint32_t ttl);
bool ForEachDnsAddressAnswerImpl(std::span<const uint8_t> message, DnsAnswerFn fn, void* ctx);
}  // namespace detail

template <typename Fn>
bool ForEachDnsAddressAnswer(std::span<const uint8_t> message, Fn&& fn) {
  return detail::ForEachDnsAddressAnswerImpl(
      message,
      [](void* ctx, std::string_view name, const IpAddress& address, uint32_t ttl) {
        (*static_cast<Fn*>(ctx))(name, address, ttl);
      },
      &fn);
}

}  // namespace netward::analyzers
