/**
 * Derives a product category from its description. The data has no categories,
 * so the first rule whose keyword appears as a whole word wins; order matters
 * ("CHRISTMAS CANDLE" is Christmas, not Candles & Lights).
 */
const rules: ReadonlyArray<readonly [category: string, keywords: RegExp]> = [
  ['Christmas', /\b(CHRISTMAS|XMAS|ADVENT|SANTA|REINDEER|SNOWFLAKE|NATIVITY)\b/],
  ['Candles & Lights', /\b(CANDLES?|T-LIGHTS?|TLIGHTS?|LANTERNS?|LIGHTS?|LAMPS?|NIGHTLIGHT|CANDLEHOLDER)\b/],
  [
    'Kitchen & Dining',
    /\b(MUGS?|CUPS?|PLATES?|BOWLS?|TEA|TEACUP|CAKE|CAKES|BAKING|JAM|NAPKINS?|KITCHEN|SPOONS?|CUTLERY|LUNCH|BOTTLE|TRAY|APRON|GLASS|JUG|COASTERS?|RECIPE|EGG|CAKESTAND|TEAPOT|COFFEE|BISCUIT|CHOPSTICKS|DOILY|PANTRY|OVEN|GLOVE)\b/,
  ],
  ['Bags & Storage', /\b(BAGS?|BOX|BOXES|TINS?|BASKETS?|STORAGE|CASE|HAMPER|TRUNK|DRAWER|JARS?|CHEST)\b/],
  [
    'Stationery & Cards',
    /\b(CARDS?|WRAP|PAPER|NOTEBOOKS?|PEN|PENS|PENCILS?|STICKERS?|TAPE|ENVELOPES?|CALENDAR|DIARY|BOOK|ERASER|CHALK|NOTEPAD|STATIONERY|RIBBONS?|TAG|TAGS)\b/,
  ],
  [
    'Toys & Games',
    /\b(TOYS?|GAMES?|PUZZLES?|DOLLS?|PLAYHOUSE|SPACEBOY|SOLDIERS?|SKIPPING|JIGSAW|CRAYONS?|PAINTING|DOMINOES|SNAKES|LADDERS|TEDDY|RABBIT)\b/,
  ],
  ['Party & Gifts', /\b(PARTY|BALLOONS?|BIRTHDAY|GIFT|CONFETTI|BUNTING|PINATA|CRACKERS?|WEDDING)\b/],
  [
    'Garden & Outdoor',
    /\b(GARDEN|PLANTS?|PLANTER|FLOWER|POT|BIRD|BIRDHOUSE|WATERING|PARASOL|UMBRELLA|PICNIC|HERB|SEED)\b/,
  ],
  [
    'Fashion & Accessories',
    /\b(NECKLACE|BRACELET|EARRINGS|RING|HAIR|PURSE|SCARF|GLOVES|HAT|JEWELLERY|BROOCH|CHARM|WALLET|HANDBAG|BEADS?|SLIPPERS|MIRROR COMPACT)\b/,
  ],
  [
    'Home Decor',
    /\b(SIGN|FRAME|CLOCK|MIRROR|CUSHION|DOORMAT|HOOKS?|HANGERS?|WALL|ORNAMENT|DECORATION|HEARTS?|GARLAND|VASE|DOORSTOP|WREATH|CHANDELIER|QUILT|THROW|BLANKET|PLAQUE|HOLDER|DOOR)\b/,
  ],
];

/** The category every product that matches no rule falls into. */
export const otherCategory = 'Other';

/** Every category, in rule order, then `Other`. */
export const categories: readonly string[] = [...rules.map(([name]) => name), otherCategory];

/** The category of a product with this (upper-case) description. */
export function categoryOf(description: string): string {
  const text = description.toUpperCase();
  for (const [category, keywords] of rules) if (keywords.test(text)) return category;
  return otherCategory;
}
