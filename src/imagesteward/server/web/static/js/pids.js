// Persistent identifiers checked in the browser, as imagesteward.model.pids checks them on
// the server (which stays the authority): shape, ORCID's ISO 7064 MOD 11-2 check character,
// ROR's MOD 97-10 checksum. Each function returns a problem in words, or "" when fine.

const CROCKFORD = "0123456789abcdefghjkmnpqrstvwxyz";

export function orcidCheckDigit(base) {
  let total = 0;
  for (const char of base) total = (total + Number(char)) * 2;
  const result = (12 - (total % 11)) % 11;
  return result === 10 ? "X" : String(result);
}

export function rorChecksum(body) {
  let number = 0n;
  for (const char of body.toLowerCase()) number = number * 32n + BigInt(CROCKFORD.indexOf(char));
  return String(98n - ((number * 100n) % 97n)).padStart(2, "0");
}

function orcid(value) {
  const text = value.replace(/^(?:https?:\/\/)?(?:www\.)?orcid\.org\//i, "");
  const match = text.match(/^(\d{4})-?(\d{4})-?(\d{4})-?(\d{3}[\dXx])$/);
  if (!match) return `ORCID ${value} is not an ORCID iD: expected 16 characters as 0000-0000-0000-000X`;
  const digits = match.slice(1).join("").toUpperCase();
  const expected = orcidCheckDigit(digits.slice(0, 15));
  if (digits[15] !== expected) {
    return `ORCID ${match.slice(1).join("-").toUpperCase()} has a wrong check digit: expected ${expected}`;
  }
  return "";
}

function ror(value) {
  const ident = value.replace(/^(?:https?:\/\/)?(?:www\.)?ror\.org\//i, "").toLowerCase();
  if (!/^0[a-hj-km-np-tv-z0-9]{6}[0-9]{2}$/.test(ident)) {
    return `ROR ${value} is not a ROR ID: expected 9 characters, a leading 0, 6 letters or digits (no i, l, o, u) and a 2-digit checksum`;
  }
  const expected = rorChecksum(ident.slice(0, 7));
  return ident.slice(7) === expected ? "" : `ROR ${ident} has a wrong checksum: expected ${expected}`;
}

function rrid(value) {
  const text = value.replace(/^(?:(?:https?:\/\/)?(?:www\.)?(?:identifiers\.org|scicrunch\.org\/resolver)\/)?RRID:\s*/i, "");
  return /^[A-Za-z]+_[A-Za-z0-9_:.-]+$/.test(text)
    ? ""
    : `RRID ${value} is not an RRID: expected RRID:<registry>_<id>, e.g. RRID:AB_2298772`;
}

function doi(value) {
  const text = value.replace(/^(?:doi:\s*|(?:https?:\/\/)?(?:dx\.|www\.)?doi\.org\/)/i, "");
  return /^10\.\d{4,9}(?:\.\d+)*\/\S+$/.test(text)
    ? ""
    : `DOI ${value} is not a DOI: expected 10.<registrant>/<suffix>`;
}

function handle(value) {
  const text = value.replace(/^(?:hdl:\s*|(?:https?:\/\/)?hdl\.handle\.net\/)/i, "");
  if (text.startsWith("10.") || /^(?:doi:|(?:https?:\/\/)?(?:dx\.|www\.)?doi\.org\/)/i.test(value)) return doi(value);
  return /^\d+(?:\.[\w-]+)*\/\S+$/.test(text)
    ? ""
    : `${value} is not a Handle: expected <numeric prefix>/<suffix>, e.g. 21.T11998/abc`;
}

const CHECKS = { ORCID: orcid, ROR: ror, RRID: rrid, DOI: doi, HANDLE: handle, PIDINST: handle };

export function checkPid(scheme, value) {
  const check = CHECKS[scheme.toUpperCase()];
  return check ? check(value.trim()) : "";
}
