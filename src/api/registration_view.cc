#include "api/registration_view.h"

#include <utility>

namespace netward::api {

bool ShowRegistration(record::RegistrationRecord* r, const FieldCipher* reveal_with,
                      std::vector<std::string>* errors) {
  if (!reveal_with) {
    r->id_number = r->id_number_masked;
    r->phone = r->phone_masked;
    return true;
  }
  bool ok = true;
  const std::pair<std::string*, const std::string*> fields[] = {
      {&r->id_number, &r->id_number_masked}, {&r->phone, &r->phone_masked}};
  const char* names[] = {"id_number", "phone"};
  for (size_t i = 0; i < 2; ++i) {
    auto plain = reveal_with->Decrypt(*fields[i].first, names[i]);
    if (plain.ok()) {
      *fields[i].first = std::move(*plain);
    } else {
      errors->push_back(plain.status().message());  // "id_number: why"
      *fields[i].first = *fields[i].second;
      ok = false;
    }
  }
  return ok;
}

}  // namespace netward::api
