// Hub models in the app: what the page's hub client (web/hub.js) reports (endpoint, a download's progress, the models
// in the browser's cache), the catalogue of known-good public models, and the views: the "Hugging Face model" picker
// and the consent / progress banner. No network here: the platform does it through PlatformHooks::hub.
#pragma once
#include <string>
#include <vector>

namespace attnviz {

struct App;

// A model saved in the browser's Cache Storage (by endpoint + repo + commit sha).
struct HubCachedModel {
  std::string endpoint;  // e.g. "https://huggingface.co"
  std::string repo;      // "org/name"
  std::string sha;       // 40-hex commit sha
  double bytes = 0;      // stored size, bytes
  // A download that stopped part-way (cancelled, cut off, tab closed): some of its files are stored but not the
  // manifest that marks a model complete. Listed so it can be resumed (the stored files are reused) or deleted.
  bool partial = false;
  int files = 0;         // files stored
};

// One catalogue entry: a public model known to open (BERT / GPT-2 families).
struct HubCatalogueEntry {
  const char* repo;   // "org/name"
  const char* size;   // weights as the Hub lists them ("412 MB"), or "" when not verified
  const char* shows;  // key (i18n.h) of what it shows well, one line
};

// What the picker and the banner show; filled by hub_apply_status from the page's reports.
struct HubState {
  std::string endpoint = "https://huggingface.co";  // the endpoint in use (page settings / site default)
  std::string endpoint_source;                      // "default", "site" (attnviz.config.json) or "user"
  bool cache_ok = true;                             // Cache Storage works (false in some private windows)
  std::vector<HubCachedModel> cached;               // models on this computer
  // Consent: a link (or setState) named a hub model that is not cached. Nothing is fetched until the user clicks.
  std::string offer_repo, offer_rev;                // "" = no offer
  // The same for the compare model (link key vs=hf:ORG/NAME, view_compare.cpp): offered, never fetched by a link.
  std::string vs_offer_repo, vs_offer_rev;
  // A download in progress ("" = none).
  std::string busy_repo;
  bool busy_compare = false;                        // it is the compare model's
  std::string phase;                                // what is happening ("file list", "config.json", ...)
  double done = 0, total = 0;                       // bytes; total 0 = not known yet
  double rate = 0;                                  // bytes per second, averaged
  double eta = -1;                                  // seconds left, -1 = unknown
  // Picker UI.
  char field[200] = {};                             // the "Hugging Face model" text field
  char endpoint_field[300] = {};                    // the endpoint setting being edited
  bool endpoint_field_set = false;
};

// The catalogue, in menu order.
const std::vector<HubCatalogueEntry>& hub_catalogue();

// Applies a status report from the page (JSON object, any subset of: "endpoint", "endpoint_source", "cache_ok",
// "cached": [{"endpoint", "repo", "sha", "bytes", "partial", "files"}], "busy": {"repo", "phase", "done", "total",
// "rate", "eta", "compare"} or null, "offer": null / "vs_offer": null (withdraw that offer), "compare_loading":
// "hf:ORG/NAME" (a compare model's download started: App::compare_loading)). Bad JSON or bad fields are ignored (the
// report comes from our own page).
void hub_apply_status(App& app, const std::string& json);

// A link or setState asked for hf:<repo> at revision `rev` ("" = the default branch): offer it (the banner's
// "Download and open" button) and ask the platform to open it from the cache if it is there (no network).
void hub_offer(App& app, const std::string& repo, const std::string& rev);

// The same for the compare model (vs=hf:<repo>, view_compare.cpp: app_request_compare): offered in the banner, opened
// from the cache if it is there (no network), else downloaded only after the click. Asks the platform once per offer.
void hub_offer_compare(App& app, const std::string& repo, const std::string& rev);

// "1.2 MB", "412 MB", "1.4 GB" (decimal units, as the Hub lists sizes).
std::string hub_format_bytes(double bytes);

// Views: the picker button + popup next to the model menu, and the banner (offer, progress, Cancel) above the views.
void draw_hub_picker(App& app);
void draw_hub_banner(App& app);

}  // namespace attnviz
