// src/api/registration_view.h: how a stored `registration` record is shown (docs/api.md,
// "Masking" and "Reveal"), the same in `netward query` and in POST /v1/registrations/lookup.
//
// The record keeps id_number and phone encrypted ("enc1:..."); every output shows them masked
// (their *_masked values) unless they are revealed with the field key by an authorized caller,
// whose reveal has been logged first. Pure, thread-safe.
#pragma once

#include <string>
#include <vector>

#include "api/field_cipher.h"
#include "record/schema.h"

namespace netward::api {

// Replaces r->id_number and r->phone with their masked values or, with `reveal_with`, with
// their plaintexts. A value that does not decrypt (another key, a changed record) is shown
// masked and "FIELD: why" (the cipher's message) is appended to *errors. Returns true if nothing
// failed.
bool ShowRegistration(record::RegistrationRecord* r, const FieldCipher* reveal_with,
                      std::vector<std::string>* errors);

}  // namespace netward::api
