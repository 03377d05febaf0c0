/* clinic_leaflet.c: the brochures' rules for the patient's current phase (showering,
 * lifestyle, MRI, surgery, pregnancy, when to call). Each rule is one row of a table with the
 * therapies and phases it applies to, so a rule is written once and a test can list them. */
#include <limits.h>
#include <string.h>

#include "clinic_leaflet.h"
#include "clinic_args.h"
#include "clinic_cmd.h"
#include "clinic_err.h"
#include "clinic_path.h"
#include "clinic_patient.h"
#include "clinic_rules.h"
#include "json.h"

#define S_ 1 /* SCS */
#define N_ 2 /* SNM */
#define B_ 3 /* both */
#define P_PRE (1 << PH_PRE)
#define P_TRIAL (1 << PH_TRIAL)
#define P_EARLY (1 << PH_EARLY)
#define P_LONG (1 << PH_LONG)
#define P_REMOVED (1 << PH_REMOVED)
#define P_IMPL (P_EARLY | P_LONG)
#define P_ALL (P_PRE | P_TRIAL | P_EARLY | P_LONG | P_REMOVED)

typedef struct {
  int therapies, phases;
  const char *section, *text;
  const char *nl; /* the text in Dutch, the brochures' language */
} rule;

/* The section titles in Dutch, in the order of sections[]. */
static const char *const sections_nl[] = {"Voor de operatie", "Uw stimulator", "Douchen", "Leefregels", "MRI", "Operaties", "Zwangerschap", "Wanneer bellen"};
static const char *const sections[] = {"Before the operation", "Your stimulator", "Showering", "Lifestyle", "MRI",
                                       "Surgery", "Pregnancy", "When to call"};

static const rule rules[] = {
    {B_, P_PRE, "Before the operation", "No flu vaccination from 2 days before to 2 days after the operation; no other vaccination (such as travel vaccines) from 2 weeks before to 2 weeks after.",
     "Geen griepprik van 2 dagen voor tot 2 dagen na de operatie; geen andere vaccinatie (zoals reisvaccinaties) van 2 weken voor tot 2 weken na de operatie."},
    {B_, P_PRE, "Before the operation", "Blood thinners (such as Plavix, Persantin, Sintrom, Marcoumar, Pradaxa, Xarelto, Eliquis) must be stopped before the operation as your doctor decides with you.",
     "Gebruikt u bloedverdunnende medicijnen (zoals Plavix, Persantin, Sintrom, Marcoumar, Pradaxa, Xarelto, Eliquis), dan moet u voor de operatie stoppen met het innemen ervan; uw arts bespreekt met u of en wanneer."},
    {S_, P_PRE, "Before the operation", "The pre-operative screening is 1-2 weeks before the operation; about 1 week before, the admission office calls you with the date and time.",
     "De preoperatieve screening is 1 tot 2 weken voor de ingreep; ongeveer 1 week ervoor neemt de afdeling Opname contact met u op over de datum en het tijdstip."},
    {B_, P_PRE, "Before the operation", "Tell us about allergies (iodine, contrast fluid, medication, plasters, rubber, latex) and a possible pregnancy.",
     "Vertel ons over allergieën (jodium, contrastvloeistof, medicijnen, pleisters, rubber, latex) en een mogelijke zwangerschap."},
    {B_, P_PRE, "Before the operation", "You cannot drive yourself home after the treatment: arrange a ride.",
     "U mag na de behandeling niet zelf naar huis rijden: regel vervoer."},
    {S_, P_TRIAL, "Your stimulator", "During the trial the external stimulator is outside your body, covered by a plaster on your skin; the extension cable leaves the skin in your flank.",
     "Tijdens de proefperiode zit de uitwendige neurostimulator buiten uw lichaam, afgedekt door een pleister op uw huid; de verlengdraad komt in uw flank uit de huid."},
    {N_, P_TRIAL, "Your stimulator", "The extension cable in your upper buttock is connected to the external modulator, which you wear in a belt under your clothing.",
     "Het verlengkabeltje in uw bovenbil is aangesloten op de uitwendige neuromodulator, die u in een gordel onder uw kleding draagt."},
    {N_, P_TRIAL, "Your stimulator", "With the wireless remote control you can change the strength of the stimulation yourself.",
     "Met de draadloze afstandsbediening kunt u zelf de sterkte van de prikkeling aanpassen."},
    {N_, P_IMPL, "Your stimulator", "With your remote control you can adjust the settings of the modulator; the manual you were given explains how.",
     "Met uw afstandsbediening kunt u de instellingen van de neuromodulator aanpassen; de handleiding die u kreeg legt uit hoe."},
    {S_, P_TRIAL, "Lifestyle", "After operation 1: do not sit upright for the first 4 hours; only out of bed for the toilet.",
     "Na de eerste operatie: de eerste 4 uur niet rechtop zitten maar glooiend in bed blijven liggen; alleen uit bed voor toiletbezoek."},
    {S_, P_TRIAL, "Showering", "During the trial you may not shower at all: the external stimulator and the wound must stay dry.",
     "Tijdens de proefperiode mag u helemaal niet douchen."},
    {N_, P_TRIAL, "Showering", "No bath or shower during the trial: wash with a washcloth; the external modulator must not get wet.",
     "Niet baden of douchen tijdens de proefperiode: was u alleen met een washandje of 'douche' aangepast; de uitwendige neuromodulator mag niet nat worden."},
    {N_, P_TRIAL, "Lifestyle", "The plasters on your lower back stay on for the whole trial: you may add plasters, never remove them.",
     "De pleisters op uw onderrug blijven de hele proefperiode zitten: u mag pleisters bijplakken, nooit verwijderen."},
    {N_, P_TRIAL, "Lifestyle", "Do not bend, keep your lower back straight, do not lift heavy things.",
     "Niet bukken, houd uw onderrug recht, niet zwaar tillen."},
    {B_, P_TRIAL, "Lifestyle", "Keep your diary every day of the trial: it decides whether you get the definitive stimulator.",
     "Houd elke dag van de proefperiode uw dagboek bij: daarmee wordt vastgesteld of de behandeling voldoende resultaat heeft."},
    {S_, P_TRIAL | P_EARLY, "Lifestyle", "During the trial and the first 6 weeks after the definitive operation: no sudden back or neck movements; no bending, lifting, stretching or twisting; arms not above your head; no bed 'parrot' handle; no cycling; do not drive yourself.",
     "Tijdens de proefperiode en de eerste 6 weken na de definitieve operatie: geen plotselinge bewegingen met uw rug of nek; niet bukken, tillen, rekken of strekken; wring uw lichaam niet in bochten; armen niet boven uw hoofd; geen 'papegaai' (hulpmiddel om u in bed op te trekken); niet fietsen; niet zelf autorijden."},
    {S_, P_EARLY, "Showering", "No shower for 3 days after the definitive operation.",
     "Niet douchen tot 3 dagen na de definitieve operatie."},
    {N_, P_EARLY, "Showering", "You may shower again the day after the modulator was placed; no bath until the wound has closed. If the plaster falls off, put on a new one until the wound is closed.",
     "U mag de dag na het plaatsen van de modulator weer douchen; niet in bad tot de wond dicht is. Valt de pleister eraf, plak dan een nieuwe tot de wond dicht is."},
    {N_, P_EARLY, "Lifestyle", "For 2 more weeks after the implant: no bending or lifting, no sudden, extreme or repeated movements (bending, twisting, jumping, stretching).",
     "Nog 2 weken na het plaatsen van de neuromodulator: niet bukken en niet tillen, geen plotselinge, extreme of vaak herhaalde bewegingen (buigen, draaien, springen of uitrekken)."},
    {S_, P_IMPL, "Lifestyle", "Come at least once a year for a control; before it you keep a pain diary and fill in questionnaires.",
     "Kom minstens een keer per jaar op controle; vooraf houdt u een pijndagboek bij en vult u vragenlijsten in."},
    {N_, P_IMPL, "Lifestyle", "The battery of a non-rechargeable modulator runs out after some years and is then replaced; how long it lasts depends on the settings.",
     "De batterij van een niet-oplaadbare modulator raakt na enkele jaren leeg en wordt dan vervangen; hoe lang hij meegaat hangt af van de instellingen."},
    {S_, P_TRIAL | P_IMPL, "MRI", "Not every stimulator withstands MRI: always contact the pain clinic in time. Just before the scan the clinic checks that the system is MRI-compatible and all parts are intact, and gives you a written statement for radiology; without it no MRI is made. Switch the stimulator off during the scan with your remote control.",
     "Niet elke neurostimulator is bestand tegen een MRI: neem altijd op tijd contact op met de pijnkliniek. Vlak voor de MRI kijkt de pijnkliniek na of uw systeem MRI-compatibel is en alle onderdelen nog intact zijn, en geeft u een verklaring voor de afdeling radiologie; zonder die verklaring wordt geen MRI gemaakt. Zet de neurostimulator tijdens de MRI uit met uw afstandsbediening."},
    {N_, P_TRIAL | P_IMPL, "MRI", "An MRI scan is in principle not possible; an MRI of the head may be possible under conditions. Other scans such as CT are allowed.",
     "Een MRI-scan is in principe niet mogelijk; een MRI-scan van het hoofd is eventueel 'onder voorwaarden' wel mogelijk. Andere scans zoals een CT-scan zijn toegestaan."},
    {S_, P_TRIAL | P_IMPL, "Surgery", "Before any surgery switch the stimulator off, or put it in surgical mode, with your remote control; the surgical team must use bipolar diathermy.",
     "Zet vlak voor een chirurgische ingreep de neurostimulator uit, of in de 'chirurgische modus', met uw afstandsbediening; het medisch personeel moet bipolaire diathermie gebruiken."},
    {N_, P_TRIAL | P_IMPL, "Surgery", "Before any future medical examination or operation, tell the medical staff that you have a neuromodulator.",
     "Laat bij elk toekomstig medisch onderzoek of elke operatie het medisch personeel weten dat u een neuromodulator heeft."},
    {S_, P_TRIAL | P_IMPL, "Surgery", "Tell every future medical team that you have a neurostimulator.",
     "Laat bij elke toekomstige behandeling het medisch personeel weten dat u een neurostimulator heeft."},
    {N_, P_TRIAL | P_IMPL, "Pregnancy", "If you wish to become pregnant, switch the modulator off; switch it on again after the delivery.",
     "Wilt u zwanger worden, zet dan de neuromodulator uit en pas na de bevalling weer aan."},
    {N_, P_PRE, "Pregnancy", "Are you (possibly) pregnant? Tell us as soon as possible.",
     "Bent u (mogelijk) zwanger? Laat het ons zo snel mogelijk weten."},
    {B_, P_TRIAL | P_EARLY | P_REMOVED, "When to call", "Fever above 38 C, red and warmer skin around the wound, pus, wound pain that gets worse, or when you do not trust it: contact the hospital immediately.",
     "Koorts hoger dan 38 graden, een rode huid rond de wond die warmer aanvoelt, geel vocht (pus) uit de wond, pijn aan de wond die erger wordt, of als u het niet vertrouwt: neem direct contact op met het ziekenhuis."},
    {S_, P_TRIAL | P_IMPL, "When to call", "Less effect or a changed stimulation (the lead may have moved): contact the pain nurse, Monday to Friday.",
     "Minder effect of veranderingen in de stimulatie (de lead kan verschoven zijn): neem van maandag tot en met vrijdag contact op met de pijnverpleegkundige."},
    {S_, P_TRIAL | P_EARLY, "When to call", "Headache that gets better lying down and worse upright (leak of spinal fluid): bed rest; still there after 2 days, contact the pain clinic.",
     "Flinke hoofdpijn die vermindert bij het liggen en verergert bij het overeind komen (lekkage van hersenvocht): bedrust; is het na 2 dagen bedrust niet verdwenen, neem dan contact op met de pijnkliniek."},
    {S_, P_TRIAL | P_EARLY, "When to call", "Severe back pain, later numbness or weakness of the legs (bleeding near the spinal cord, very rare): contact the pain clinic immediately.",
     "Heftige pijn in de rug en later een doof en verlammend gevoel in de benen (bloeding rond het ruggenmerg, een heel kleine kans): neem direct contact op met de pijnkliniek."},
    {S_, P_TRIAL | P_EARLY, "When to call", "Some bloody fluid from the wound is harmless: leave the plaster on and add one; when in doubt, call the pain clinic. Wound pain: paracetamol as the leaflet says.",
     "Bloederig vocht of oud bloed uit de wond kan geen kwaad: laat de pleister zitten en plak er zo nodig een pleister bij; neem bij twijfel contact op met de pijnkliniek. Wondpijn: een pijnstiller zoals paracetamol volgens de bijsluiter."},
    {N_, P_TRIAL | P_EARLY | P_REMOVED, "When to call", "Fever, pus or unusually much blood from the wound: contact the surgical outpatient clinic at once in the daytime, the emergency department outside office hours.",
     "Koorts, pus of buitengewoon veel bloed uit de wond: neem direct contact op met de poli Chirurgie (overdag) of met de Spoedeisende Hulp (buiten kantoortijden)."},
    {N_, P_TRIAL | P_EARLY | P_REMOVED, "When to call", "Other urgent questions after you went home: in the first 24 hours, the surgical outpatient clinic in office hours and the emergency department outside them; after 24 hours, the surgical outpatient clinic in office hours and your GP out-of-hours service outside them.",
     "Andere dringende vragen na ontslag: tot 24 uur na ontslag de poli Chirurgie tijdens kantooruren en de Spoedeisende Hulp daarbuiten; na 24 uur de poli Chirurgie tijdens kantooruren en de huisartsenpost in uw regio daarbuiten."},
    {B_, P_LONG, "When to call", "Any question about settings or the remote control: contact the clinic in office hours.",
     "Elke vraag over de instellingen of de afstandsbediening: neem contact op met de kliniek tijdens kantooruren."},
};

const char *clinic_phase_name(clinic_phase ph) {
  static const char *const n[] = {"before-trial", "trial", "early-implant", "implanted", "removed"};
  return n[ph];
}

int clinic_phase_parse(const char *s, clinic_phase *ph) {
  for (int i = PH_PRE; i <= PH_REMOVED; i++)
    if (strcmp(s, clinic_phase_name((clinic_phase)i)) == 0) {
      *ph = (clinic_phase)i;
      return 0;
    }
  return -1;
}

clinic_phase clinic_phase_at(const clinic_patient *p, const clinic_path *path, int32_t today, int32_t *until,
                             clinic_phase *next) {
  *until = INT32_MAX;
  if (clinic_path_done(path, "explant") != INT32_MIN) return *next = PH_REMOVED;
  int32_t im = clinic_path_done(path, "implant");
  if (im != INT32_MIN) {
    /* Early: the first 6 weeks (SCS) or 2 weeks (SNM) after the implant. */
    int32_t last_early = im + (p->therapy == TH_SCS ? 42 : 14) - 1;
    *next = PH_LONG;
    if (today > last_early) return PH_LONG;
    *until = last_early;
    return PH_EARLY;
  }
  if (clinic_path_done(path, "trial") != INT32_MIN) return *next = PH_TRIAL;
  return *next = PH_PRE;
}

clinic_phase clinic_phase_of(const clinic_patient *p, const clinic_path *path, int32_t today) {
  int32_t until;
  clinic_phase next;
  return clinic_phase_at(p, path, today, &until, &next);
}

void clinic_leaflet_print(FILE *f, clinic_therapy t, clinic_phase ph, int json, int nl) {
  int tm = t == TH_SCS ? S_ : N_, pm = 1 << ph;
  js_w w;
  if (json) {
    jw_init(&w, f);
    jw_obj(&w);
    jw_key(&w, "therapy");
    jw_str(&w, clinic_therapy_name(t));
    jw_key(&w, "phase");
    jw_str(&w, clinic_phase_name(ph));
    if (nl) {
      jw_key(&w, "lang");
      jw_str(&w, "nl");
    }
    jw_key(&w, "sections");
    jw_arr(&w);
  } else if (nl) {
    fprintf(f, "Regels voor u nu (%s, fase: %s)\n", t == TH_SCS ? "ruggenmergstimulatie" : "sacrale neuromodulatie",
            clinic_phase_name(ph));
  } else {
    fprintf(f, "Rules for you now (%s, phase: %s)\n", t == TH_SCS ? "spinal cord stimulation" : "sacral neuromodulation",
            clinic_phase_name(ph));
  }
  for (size_t s = 0; s < sizeof sections / sizeof sections[0]; s++) {
    int any = 0;
    for (size_t i = 0; i < sizeof rules / sizeof rules[0]; i++) {
      const rule *r = &rules[i];
      if (!(r->therapies & tm) || !(r->phases & pm) || strcmp(r->section, sections[s]) != 0) continue;
      if (!any) {
        if (json) {
          jw_obj(&w);
          jw_key(&w, "title");
          jw_str(&w, nl ? sections_nl[s] : sections[s]);
          jw_key(&w, "rules");
          jw_arr(&w);
        } else {
          fprintf(f, "\n%s\n", nl ? sections_nl[s] : sections[s]);
        }
        any = 1;
      }
      if (json)
        jw_str(&w, nl ? r->nl : r->text);
      else
        fprintf(f, "  - %s\n", nl ? r->nl : r->text);
    }
    if (any && json) {
      jw_arr_end(&w);
      jw_obj_end(&w);
    }
  }
  if (json) {
    jw_arr_end(&w);
    jw_obj_end(&w);
    jw_end(&w);
  }
}

int clinic_cmd_leaflet(clinic_ctx *c, clinic_args *a) {
  const char *phase = clinic_opt_get(a, "phase"), *lang = clinic_opt_get(a, "lang");
  int rc = clinic_args_done(a, "leaflet");
  if (rc) return rc;
  if (a->npos != 2)
    return clinic_fail(CL_USAGE, "usage: nmod clinic leaflet PATIENT [--phase before-trial|trial|early-implant|implanted|removed] [--lang en|nl]");
  clinic_patient p;
  if ((rc = clinic_patient_get(c->db, a->pos[1], &p)) != CL_OK) return rc;
  clinic_phase ph;
  if (phase) {
    if (clinic_phase_parse(phase, &ph) != 0)
      return clinic_fail(CL_USAGE, "--phase '%s' is not known: use before-trial, trial, early-implant, implanted or removed", phase);
  } else {
    clinic_path path;
    if ((rc = clinic_path_load(c->db, &p, &path)) != CL_OK) return rc;
    ph = clinic_phase_of(&p, &path, c->today);
  }
  if (lang && strcmp(lang, "en") != 0 && strcmp(lang, "nl") != 0)
    return clinic_fail(CL_USAGE, "--lang '%s' is not known: use en or nl (Dutch, the brochures' language)", lang);
  clinic_leaflet_print(clinic_stdout(), p.therapy, ph, c->json, lang && strcmp(lang, "nl") == 0);
  return CL_OK;
}
