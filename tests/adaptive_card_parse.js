// Parses Adaptive Cards (a JSON list on stdin) with Microsoft's adaptivecards library and prints,
// per card, the parse events (unknown elements, bad values) and the validation messages.
// Used by tests/test_teams_app_cards.py; the library comes from scripts/test.sh (.tools/).
const AC = require(process.argv[2]);
const cards = JSON.parse(require('fs').readFileSync(0, 'utf8'));
const out = cards.map((json) => {
  const context = new AC.SerializationContext();
  const card = new AC.AdaptiveCard();
  card.parse(json, context);
  const events = [];
  for (let i = 0; i < context.eventCount; i++) {
    const e = context.getEventAt(i);
    events.push({phase: e.phase, event: e.event, message: e.message});
  }
  const validation = card.validateProperties();
  const v = [];
  for (let i = 0; i < validation.eventCount; i++) v.push(validation.getEventAt(i).message);
  return {events, validation: v};
});
process.stdout.write(JSON.stringify(out));
