/*
 * A labelled set for the groundedness check: article paragraphs written for
 * the tests, and answers about them that are supported (restatements and
 * paraphrases) or not (a wrong number, a wrong or new name, an invented
 * claim, a negation added or dropped). Used by grounded.spec.ts (precision
 * and recall of "unsupported") and by the pipeline test that plants them.
 */

export interface GroundedCase {
  /** Which chunk of GROUNDED_CHUNKS the answer is about. */
  chunk: keyof typeof GROUNDED_CHUNKS;
  answer: string;
  supported: boolean;
  /** What was planted (for the failure message). */
  kind: 'restatement' | 'paraphrase' | 'number' | 'entity' | 'invented' | 'negation';
}

export const GROUNDED_CHUNKS = {
  bridge: `The Harwick Suspension Bridge opened to traffic on 14 May 1932 after four years of construction. Designed by the engineer Margaret Ellison, it spans 412 metres across the Tamsin River and was at the time the longest suspension bridge in the region. The project employed about 1,800 workers, and eleven of them died in accidents during construction. The bridge originally carried two lanes of road traffic and a tram line; the tram line was removed in 1961, when the deck was widened to four lanes. Tolls were collected until 1978. The bridge was not damaged in the 1989 earthquake, although the approach roads on the northern bank had to be rebuilt.`,
  library: `The Dunmore Public Library was founded in 1887 with a donation of 3,000 books from the merchant Thomas Reilly. It moved to its present building on Castle Street in 1934. Today the library holds around 250,000 items, including a collection of local newspapers dating back to 1850. Membership is free for residents of the county, while visitors from elsewhere pay an annual fee of 15 euros. The library does not lend its rare manuscripts, which can only be consulted in the reading room by appointment. In 2019 the library opened a digital media lab with 3D printers and recording equipment, funded by a grant from the national arts council.`,
  coffee: `Coffee plants grow best at altitudes between 1,000 and 2,000 metres in tropical regions, where temperatures stay between 15 and 24 degrees Celsius. Arabica, which accounts for about 60 percent of world production, is more sensitive to heat and disease than Robusta. Robusta beans contain roughly twice as much caffeine as Arabica beans and taste more bitter. Brazil has been the largest producer of coffee for more than 150 years, followed by Vietnam, which mainly grows Robusta. A coffee tree takes three to four years to produce its first crop. Rising temperatures are expected to reduce the land suitable for Arabica by half by 2050.`,
  vaccine: `In a trial published in March 2021, researchers at the University of Lindqvist tested a new nasal flu vaccine on 2,400 adults aged 18 to 65. Half of the volunteers received the vaccine and half received a placebo spray. Over the following flu season, 3.1 percent of the vaccinated group caught influenza, compared with 8.4 percent of the placebo group. The most common side effect was a runny nose, reported by one in five participants. The vaccine did not protect against the H3N2 strain, which the authors attributed to a mismatch between the vaccine and the circulating virus. The team plans a larger trial in children next year.`,
  railway: `The Northern Line railway between Kessel and Orvik was completed in 1868 and is 96 kilometres long. It was built mainly to carry timber and iron ore from the inland mines to the port at Orvik. Passenger services began two years later, in 1870. The line was electrified in 1955, which cut the journey time from three hours to just under two. Freight traffic declined after the last mine closed in 1983, and the section north of Brenna was closed to freight. Today the line carries around 900,000 passengers a year, most of them commuters travelling to Kessel.`,
  bread: `To make a basic sourdough loaf, mix 500 grams of bread flour with 350 grams of water and leave the dough to rest for 30 minutes. Then add 100 grams of active starter and 10 grams of salt, and knead until the dough is smooth. Let it rise at room temperature for four to six hours, folding it every half hour during the first two hours. Shape the loaf, place it in a floured basket and refrigerate it overnight. Bake it in a covered cast-iron pot at 250 degrees Celsius for 20 minutes, then remove the lid and bake for another 25 minutes until the crust is deep brown. Do not cut the bread until it has cooled for at least an hour, or the crumb will be gummy.`,
  company: `Halvorsen Instruments was founded in Bergen in 1921 by the brothers Erik and Johan Halvorsen, who started by repairing ship compasses. In the 1950s the company moved into marine radar, and by 1970 it employed more than 2,000 people. A failed expansion into consumer electronics in the 1980s nearly bankrupted it, and in 1991 it was bought by the Swedish group Nordtek. The Bergen factory closed in 2004, when production moved to Gothenburg. The Halvorsen brand is still used for Nordtek's navigation systems, which are sold mainly to fishing fleets.`,
} as const;

export const GROUNDED_CASES: GroundedCase[] = [
  // bridge
  {
    chunk: 'bridge',
    kind: 'restatement',
    supported: true,
    answer: 'The Harwick Suspension Bridge opened to traffic on 14 May 1932.',
  },
  {
    chunk: 'bridge',
    kind: 'paraphrase',
    supported: true,
    answer: 'It was designed by the engineer Margaret Ellison and spans 412 metres across the Tamsin River.',
  },
  {
    chunk: 'bridge',
    kind: 'paraphrase',
    supported: true,
    answer: 'Building the bridge took four years, and about 1,800 workers were employed on the project.',
  },
  {
    chunk: 'bridge',
    kind: 'paraphrase',
    supported: true,
    answer: 'The tram line was removed in 1961, when the deck was widened to four lanes of road traffic.',
  },
  {
    chunk: 'bridge',
    kind: 'paraphrase',
    supported: true,
    answer:
      'No, the 1989 earthquake did not damage the bridge itself, but the approach roads on the northern bank had to be rebuilt.',
  },
  { chunk: 'bridge', kind: 'number', supported: false, answer: 'The bridge spans 512 metres across the Tamsin River.' },
  { chunk: 'bridge', kind: 'number', supported: false, answer: 'Tolls were collected on the bridge until 1985.' },
  { chunk: 'bridge', kind: 'entity', supported: false, answer: 'The bridge was designed by the engineer Robert Hale.' },
  {
    chunk: 'bridge',
    kind: 'invented',
    supported: false,
    answer: 'The bridge opened in 1932. It later became a popular filming location for several Hollywood films.',
  },
  {
    chunk: 'bridge',
    kind: 'negation',
    supported: false,
    answer: 'The bridge was damaged in the 1989 earthquake and the approach roads had to be rebuilt.',
  },
  // library
  {
    chunk: 'library',
    kind: 'restatement',
    supported: true,
    answer:
      'The Dunmore Public Library was founded in 1887 with a donation of 3,000 books from the merchant Thomas Reilly.',
  },
  {
    chunk: 'library',
    kind: 'paraphrase',
    supported: true,
    answer: 'Since 1934 the library has been in its present building on Castle Street.',
  },
  {
    chunk: 'library',
    kind: 'paraphrase',
    supported: true,
    answer: 'County residents can join for free; visitors from elsewhere pay an annual fee of 15 euros.',
  },
  {
    chunk: 'library',
    kind: 'paraphrase',
    supported: true,
    answer: 'Its rare manuscripts are not lent out: they can only be consulted in the reading room, by appointment.',
  },
  {
    chunk: 'library',
    kind: 'paraphrase',
    supported: true,
    answer: 'The library holds around 250,000 items, among them local newspapers dating back to 1850.',
  },
  {
    chunk: 'library',
    kind: 'number',
    supported: false,
    answer: 'Visitors from outside the county pay an annual fee of 25 euros.',
  },
  {
    chunk: 'library',
    kind: 'entity',
    supported: false,
    answer: 'The library moved to its present building on Bridge Street in 1934.',
  },
  {
    chunk: 'library',
    kind: 'entity',
    supported: false,
    answer: 'The digital media lab was funded by a grant from the European Union.',
  },
  {
    chunk: 'library',
    kind: 'negation',
    supported: false,
    answer: 'The library lends its rare manuscripts to members with a county membership.',
  },
  {
    chunk: 'library',
    kind: 'invented',
    supported: false,
    answer:
      'In 2019 the library opened a digital media lab. The lab also offers weekly coding workshops for teenagers and pensioners.',
  },
  // coffee
  {
    chunk: 'coffee',
    kind: 'restatement',
    supported: true,
    answer: 'Coffee plants grow best at altitudes between 1,000 and 2,000 metres in tropical regions.',
  },
  {
    chunk: 'coffee',
    kind: 'paraphrase',
    supported: true,
    answer: 'Robusta beans have roughly twice as much caffeine as Arabica beans, and they taste more bitter.',
  },
  {
    chunk: 'coffee',
    kind: 'paraphrase',
    supported: true,
    answer:
      'Arabica makes up about 60 percent of world production and is more sensitive to heat and disease than Robusta.',
  },
  {
    chunk: 'coffee',
    kind: 'paraphrase',
    supported: true,
    answer: 'It takes a coffee tree three to four years to produce its first crop.',
  },
  {
    chunk: 'coffee',
    kind: 'paraphrase',
    supported: true,
    answer:
      'Brazil has been the largest coffee producer for more than 150 years, with Vietnam, which mainly grows Robusta, second.',
  },
  {
    chunk: 'coffee',
    kind: 'number',
    supported: false,
    answer: 'Arabica accounts for about 75 percent of world production.',
  },
  {
    chunk: 'coffee',
    kind: 'number',
    supported: false,
    answer: 'A coffee tree takes about seven years to produce its first crop.',
  },
  {
    chunk: 'coffee',
    kind: 'entity',
    supported: false,
    answer: 'Colombia has been the largest producer of coffee for more than 150 years.',
  },
  {
    chunk: 'coffee',
    kind: 'invented',
    supported: false,
    answer:
      'Robusta contains more caffeine than Arabica. Drinking it regularly lowers the risk of heart disease in older adults.',
  },
  {
    chunk: 'coffee',
    kind: 'negation',
    supported: false,
    answer: 'Arabica is not more sensitive to heat and disease than Robusta.',
  },
  // vaccine
  {
    chunk: 'vaccine',
    kind: 'restatement',
    supported: true,
    answer: 'Researchers at the University of Lindqvist tested a new nasal flu vaccine on 2,400 adults aged 18 to 65.',
  },
  {
    chunk: 'vaccine',
    kind: 'paraphrase',
    supported: true,
    answer:
      'During the following flu season, 3.1 percent of the vaccinated group caught influenza, compared with 8.4 percent of those given the placebo.',
  },
  {
    chunk: 'vaccine',
    kind: 'paraphrase',
    supported: true,
    answer: 'A runny nose was the most common side effect, reported by one participant in five.',
  },
  {
    chunk: 'vaccine',
    kind: 'paraphrase',
    supported: true,
    answer:
      'The vaccine gave no protection against the H3N2 strain, which the authors put down to a mismatch with the circulating virus.',
  },
  {
    chunk: 'vaccine',
    kind: 'paraphrase',
    supported: true,
    answer: 'Half of the volunteers received the vaccine; the other half received a placebo spray.',
  },
  {
    chunk: 'vaccine',
    kind: 'number',
    supported: false,
    answer: 'Only 1.3 percent of the vaccinated group caught influenza during the following season.',
  },
  {
    chunk: 'vaccine',
    kind: 'number',
    supported: false,
    answer: 'The trial tested the vaccine on 4,200 adults aged 18 to 65.',
  },
  {
    chunk: 'vaccine',
    kind: 'entity',
    supported: false,
    answer: 'The vaccine did not protect against the H1N1 strain.',
  },
  {
    chunk: 'vaccine',
    kind: 'entity',
    supported: false,
    answer: 'The trial was run by researchers at Oxford University and published in March 2021.',
  },
  {
    chunk: 'vaccine',
    kind: 'negation',
    supported: false,
    answer: 'The vaccine protected against the H3N2 strain as well.',
  },
  {
    chunk: 'vaccine',
    kind: 'invented',
    supported: false,
    answer:
      'The team plans a larger trial in children next year. Regulators have already approved the vaccine for sale in pharmacies.',
  },
  // railway
  {
    chunk: 'railway',
    kind: 'restatement',
    supported: true,
    answer: 'The Northern Line railway between Kessel and Orvik was completed in 1868 and is 96 kilometres long.',
  },
  {
    chunk: 'railway',
    kind: 'paraphrase',
    supported: true,
    answer: 'It was built mainly to carry timber and iron ore from the inland mines to the port at Orvik.',
  },
  {
    chunk: 'railway',
    kind: 'paraphrase',
    supported: true,
    answer: 'Electrification in 1955 cut the journey time from three hours to just under two.',
  },
  {
    chunk: 'railway',
    kind: 'paraphrase',
    supported: true,
    answer: 'Passenger services started in 1870, two years after the line was completed.',
  },
  {
    chunk: 'railway',
    kind: 'paraphrase',
    supported: true,
    answer: 'About 900,000 passengers use the line each year, mostly commuters travelling to Kessel.',
  },
  { chunk: 'railway', kind: 'number', supported: false, answer: 'The line was electrified in 1965.' },
  {
    chunk: 'railway',
    kind: 'entity',
    supported: false,
    answer: 'After the last mine closed in 1983, the section north of Dalby was closed to freight.',
  },
  {
    chunk: 'railway',
    kind: 'invented',
    supported: false,
    answer: 'Freight traffic declined after 1983. The company now plans to reopen the mines to export copper to Asia.',
  },
  {
    chunk: 'railway',
    kind: 'negation',
    supported: false,
    answer: 'Freight traffic did not decline after the last mine closed in 1983.',
  },
  // bread
  {
    chunk: 'bread',
    kind: 'paraphrase',
    supported: true,
    answer: 'Combine 500 grams of bread flour with 350 grams of water, then let the dough rest for 30 minutes.',
  },
  {
    chunk: 'bread',
    kind: 'paraphrase',
    supported: true,
    answer:
      'After the rest, add 100 grams of active starter and 10 grams of salt and knead the dough until it is smooth.',
  },
  {
    chunk: 'bread',
    kind: 'paraphrase',
    supported: true,
    answer:
      'Bake the loaf in a covered cast-iron pot at 250 degrees Celsius for 20 minutes, then take the lid off and bake it for another 25 minutes.',
  },
  {
    chunk: 'bread',
    kind: 'paraphrase',
    supported: true,
    answer:
      'You should wait until the bread has cooled for at least an hour before cutting it; otherwise the crumb will be gummy.',
  },
  {
    chunk: 'bread',
    kind: 'paraphrase',
    supported: true,
    answer: 'The shaped loaf goes into a floured basket and is refrigerated overnight.',
  },
  {
    chunk: 'bread',
    kind: 'number',
    supported: false,
    answer: 'Bake the loaf at 220 degrees Celsius for 20 minutes with the lid on.',
  },
  { chunk: 'bread', kind: 'number', supported: false, answer: 'Mix 500 grams of bread flour with 400 grams of water.' },
  {
    chunk: 'bread',
    kind: 'negation',
    supported: false,
    answer: 'You can cut the bread as soon as it comes out of the oven.',
  },
  {
    chunk: 'bread',
    kind: 'invented',
    supported: false,
    answer:
      'Add the starter and salt and knead the dough. Adding a spoonful of honey helps the crust brown and keeps the bread fresh for a week.',
  },
  {
    chunk: 'bread',
    kind: 'negation',
    supported: false,
    answer: 'The dough does not need to be folded while it rises.',
  },
  // company
  {
    chunk: 'company',
    kind: 'paraphrase',
    supported: true,
    answer:
      'The brothers Erik and Johan Halvorsen founded the company in Bergen in 1921; they began by repairing ship compasses.',
  },
  {
    chunk: 'company',
    kind: 'paraphrase',
    supported: true,
    answer: 'It moved into marine radar in the 1950s and employed more than 2,000 people by 1970.',
  },
  {
    chunk: 'company',
    kind: 'paraphrase',
    supported: true,
    answer:
      'In 1991 the Swedish group Nordtek bought the company, after a failed expansion into consumer electronics in the 1980s had nearly bankrupted it.',
  },
  {
    chunk: 'company',
    kind: 'paraphrase',
    supported: true,
    answer: 'Production moved to Gothenburg in 2004, when the Bergen factory closed.',
  },
  {
    chunk: 'company',
    kind: 'paraphrase',
    supported: true,
    answer:
      'Nordtek still uses the Halvorsen brand for its navigation systems, which are sold mainly to fishing fleets.',
  },
  {
    chunk: 'company',
    kind: 'entity',
    supported: false,
    answer: 'In 1991 the company was bought by the German group Siemens.',
  },
  {
    chunk: 'company',
    kind: 'number',
    supported: false,
    answer: 'The Bergen factory closed in 2009, when production moved to Gothenburg.',
  },
  {
    chunk: 'company',
    kind: 'entity',
    supported: false,
    answer: 'When the Bergen factory closed, production moved to Stockholm.',
  },
  {
    chunk: 'company',
    kind: 'invented',
    supported: false,
    answer:
      'Halvorsen moved into marine radar in the 1950s. Its radar sets were installed on most warships of the Norwegian navy during the Cold War.',
  },
  {
    chunk: 'company',
    kind: 'negation',
    supported: false,
    answer: 'The expansion into consumer electronics in the 1980s was not a failure.',
  },
];
