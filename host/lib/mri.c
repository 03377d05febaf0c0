/* mri.c: see mri.h. */
#include "mri.h"

#include <string.h>

/* The MRI conditions of nmod's leads (our system's labelling; brochures: SNM head only). */
static const char *lead_mri(uint8_t model) {
  switch (model) {
    case NM_LEAD_SNM_TINED_4: return "head";
    case NM_LEAD_SCS_PERC_8: return "full-body";
    case NM_LEAD_SCS_PADDLE_16: return "head";
    default: return "none";
  }
}

void mri_check(const di_identity_t *id, const di_impedance_t *im, const di_status_t *s, int full, mri_verdict_t *v) {
  memset(v, 0, sizeof *v);
  v->full_body = full;
  v->n_contacts = im->n;
  char(*reasons)[200] = v->reason;
  int nr = 0;
  if (id->id.kind == NM_KIND_ETS) {
    snprintf(reasons[nr++], sizeof reasons[0],
                      "this is an external trial stimulator with a lead through the skin: no MRI during the trial");
  }
  const char *allowed = lead_mri(id->id.lead.model);
  if (id->id.therapy == NM_THERAPY_SNM && full) {
    snprintf(reasons[nr++], sizeof reasons[0],
                      "SNM: an MRI is in principle not possible; only a head MRI may be made, under conditions");
  }
  if (strcmp(allowed, "none") == 0) {
    snprintf(reasons[nr++], sizeof reasons[0], "lead %s has no MRI conditions", nm_lead_name(id->id.lead.model));
  } else if (full && strcmp(allowed, "head") == 0 && id->id.therapy != NM_THERAPY_SNM) {
    snprintf(reasons[nr++], sizeof reasons[0], "lead %s allows head scans only", nm_lead_name(id->id.lead.model));
  }
  static const char *const cname[] = {"normal", "high", "open", "short", "unreadable"};
  for (uint8_t i = 0; i < im->n && i < NM_MAX_CONTACTS && nr < 10; i++) {
    uint8_t cls = im->contact[i].cls;
    if (cls != NM_IMP_NORMAL) {
      snprintf(reasons[nr++], sizeof reasons[0], "lead contact E%u is %s (%u ohm): all parts must be intact", i,
                        cls < 5 ? cname[cls] : "?", im->contact[i].ohm);
    }
  }
  if (s->batt_state == NM_BATT_EOS) snprintf(reasons[nr++], sizeof reasons[0], "the battery is at end of service");
  if (s->fault != NM_FAULT_NONE && nr < MRI_MAX_REASONS) snprintf(reasons[nr++], sizeof reasons[0], "an open fault: %s", di_fault(s->fault));
  v->n = nr;
  v->eligible = nr == 0;
}

int mri_statement(FILE *f, const char *date, const di_identity_t *id, const di_status_t *s, const mri_verdict_t *v) {
  const char *scan = v->full_body ? "full-body" : "head";
  int full = v->full_body;
  uint8_t n = v->n_contacts;
  int rc = fprintf(f,
                   "MRI STATEMENT FOR RADIOLOGY\n"
                   "===========================\n\n"
                   "Date of the check:   %s (valid for this scan only; check again before another)\n"
                   "Stimulator:          %s, %s %s stimulator, firmware %u.%u.%u\n"
                   "Lead:                %s, all %u contacts intact (impedance checked today)\n"
                   "Battery:             %s, %u %%\n"
                   "Scan allowed:        %s MRI%s\n\n"
                   "Conditions (nmod's labelling for this system; follow the manufacturer's when it differs):\n"
                   "  - 1.5 T closed-bore scanner; normal operating mode; head SAR at most 3.2 W/kg%s\n"
                   "  - no transmit coil over the stimulator\n\n"
                   "Before the scan:\n"
                   "  - put the stimulator in MRI mode (patient remote: 'mri on'; or the clinician programmer)\n"
                   "  - confirm on the remote that it says MRI mode: stimulation, sensing and automatic checks are off\n\n"
                   "After the scan:\n"
                   "  - leave MRI mode ('mri off'); stimulation returns as it was\n"
                   "  - if the effect has changed, or the remote reports a lead alert, contact the pain clinic\n"
                   "    (or for SNM the surgical outpatient clinic) for a read-out\n\n"
                   "Checked with the clinician programmer by the implanting clinic.\n",
                   date, id->serial, id->id.kind == NM_KIND_INS ? "implanted" : "external", di_therapy(id->id.therapy), id->id.fw[0],
                   id->id.fw[1], id->id.fw[2], nm_lead_name(id->id.lead.model), n, di_batt_state(s->batt_state), s->soc_pm / 10u, scan,
                   id->id.therapy == NM_THERAPY_SNM ? " (SNM: head only)" : "", full ? ", whole-body SAR at most 2 W/kg" : "");
  return rc < 0 || ferror(f) ? -1 : 0;
}
