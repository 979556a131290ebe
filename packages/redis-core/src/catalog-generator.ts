import type { Product } from './products.js';

/**
 * Deterministic, realistic products for demos, benchmarks and load tests: the same `seed`
 * always yields the same catalog, so a benchmark run can be repeated and compared.
 */

interface ProductLine {
  nouns: string[];
  /** Whole-unit price range; cents are added separately. */
  price: [number, number];
  features: string[];
  /** Exactly one of these leads the features (a book is paperback or hardcover, not both). */
  formats?: string[];
}

interface CategoryModel {
  brands: string[];
  variants: string[];
  lines: ProductLine[];
  /** Electronics-like goods carry a model number ("Nova Smartphone Pro 12"). */
  modelNumbers?: boolean;
}

const CATEGORIES = {
  electronics: {
    brands: ['Nova', 'Zenith', 'Aurora', 'Vertex', 'Helix', 'Orion', 'Lumen', 'Quanta'],
    variants: ['Pro', 'Max', 'Lite', 'Air', 'Plus', 'Mini', 'Ultra', 'Edge'],
    modelNumbers: true,
    lines: [
      {
        nouns: ['Smartphone'],
        price: [199, 1299],
        features: [
          '5G',
          'HDR Display',
          'Water Resistant',
          'Dual SIM',
          'OLED Screen',
          'Wireless Charging',
          '128 GB Storage',
          'Triple Camera',
        ],
      },
      {
        nouns: ['Laptop', 'Ultrabook'],
        price: [499, 2499],
        features: [
          '16 GB RAM',
          '512 GB SSD',
          'Backlit Keyboard',
          'Thunderbolt 4',
          'Fingerprint Reader',
          '14" Display',
          'Fast Charging',
        ],
      },
      {
        nouns: ['Tablet'],
        price: [149, 1199],
        features: ['Stylus Support', 'LTE', '11" Display', 'Face Unlock', '256 GB Storage', 'Quad Speakers'],
      },
      {
        nouns: ['Smartwatch', 'Fitness Tracker'],
        price: [49, 799],
        features: [
          'Heart Rate Monitor',
          'GPS',
          'Water Resistant',
          'Sleep Tracking',
          'NFC Payments',
          'Always-On Display',
        ],
      },
      {
        nouns: ['Monitor'],
        price: [129, 1499],
        features: ['4K UHD', '144 Hz', 'USB-C', 'HDR10', 'Height Adjustable', 'IPS Panel'],
      },
    ],
  },
  audio: {
    brands: ['Sonora', 'Echo Lab', 'Basswave', 'Cleartone', 'Resonic', 'Harmonia'],
    variants: ['Studio', 'Go', 'Pro', 'Sport', 'Elite', 'One'],
    modelNumbers: true,
    lines: [
      {
        nouns: ['Wireless Headphones', 'Earbuds'],
        price: [29, 449],
        features: [
          'Bluetooth 5.3',
          'Active Noise Cancelling',
          '30 h Battery',
          'Transparency Mode',
          'Multipoint',
          'USB-C Charging',
        ],
      },
      {
        nouns: ['Bluetooth Speaker', 'Soundbar'],
        price: [39, 899],
        features: [
          'Waterproof',
          'Stereo Pairing',
          'Dolby Atmos',
          'Wi-Fi Streaming',
          'Voice Assistant',
          '20 h Battery',
        ],
      },
      {
        nouns: ['Turntable', 'Amplifier'],
        price: [149, 1299],
        features: ['Phono Preamp', 'Bluetooth Output', 'Belt Drive', 'Class D', 'Aluminium Platter'],
      },
    ],
  },
  books: {
    brands: [
      'Mastering',
      'Practical',
      'Learning',
      'Designing',
      'Programming',
      'Understanding',
      'Scaling',
      'Modern',
    ],
    variants: ['', '2nd Edition', '3rd Edition', 'Pocket Guide', 'Cookbook', 'in Action'],
    lines: [
      {
        nouns: [
          'Redis',
          'Distributed Systems',
          'Data-Intensive Applications',
          'TypeScript',
          'Node.js',
          'Databases',
        ],
        price: [19, 69],
        formats: ['Paperback', 'Hardcover', 'E-book'],
        features: ['English', 'E-book Included', '350 pages', 'Illustrated', 'Code Samples'],
      },
      {
        nouns: ['Algorithms', 'Cloud Architecture', 'Web Performance', 'Site Reliability'],
        price: [24, 89],
        formats: ['Paperback', 'Hardcover', 'E-book'],
        features: ['English', 'Exercises', 'Code Samples', '500 pages', 'Index'],
      },
    ],
  },
  clothing: {
    brands: ['Northwind', 'Urban Loom', 'Alpine Co', 'Seaside', 'Atelier 9', 'Fieldcraft'],
    variants: ['Classic', 'Slim Fit', 'Relaxed', 'Organic', 'Heritage', 'Essential'],
    lines: [
      {
        nouns: ['Cotton T-Shirt', 'Linen Shirt', 'Hoodie'],
        price: [15, 89],
        features: ['Organic Cotton', 'Machine Washable', 'Unisex', 'Recycled Fabric', 'Made in Portugal'],
      },
      {
        nouns: ['Rain Jacket', 'Down Parka', 'Denim Jacket'],
        price: [69, 399],
        features: ['Waterproof', 'Breathable', 'Hooded', 'Windproof', 'Packable', 'Recycled Fabric'],
      },
      {
        nouns: ['Chino Trousers', 'Jeans'],
        price: [39, 149],
        features: ['Stretch', 'Machine Washable', 'Five Pockets', 'Organic Cotton'],
      },
    ],
  },
  home: {
    brands: ['Maison', 'Hearth', 'Nordic Nest', 'Casa Viva', 'Oakline', 'Brightly'],
    variants: ['Classic', 'Compact', 'Deluxe', 'Smart', 'Essential', 'Signature'],
    lines: [
      {
        nouns: ['Coffee Maker', 'Espresso Machine', 'Kettle'],
        price: [29, 899],
        features: [
          'Programmable',
          'Stainless Steel',
          'Auto Shut-Off',
          '15 bar Pump',
          'Milk Frother',
          '1.7 L',
        ],
      },
      {
        nouns: ['Air Purifier', 'Robot Vacuum'],
        price: [99, 799],
        features: ['HEPA Filter', 'Quiet Mode', 'App Control', 'Auto Recharge', 'Voice Control'],
      },
      {
        nouns: ['Table Lamp', 'Floor Lamp'],
        price: [19, 249],
        features: ['Dimmable', 'LED', 'Warm White', 'Touch Control', 'USB Port'],
      },
      {
        nouns: ['Cookware Set', 'Dutch Oven'],
        price: [39, 399],
        features: ['Induction Ready', 'Dishwasher Safe', 'Non-Stick', 'Oven Safe', 'Cast Iron'],
      },
    ],
  },
  sports: {
    brands: ['Peakline', 'Stride', 'Trailhead', 'Velo', 'Summit', 'Kinetic'],
    variants: ['Pro', 'Trail', 'Race', 'Active', 'Elite', 'Sport'],
    lines: [
      {
        nouns: ['Running Shoes', 'Hiking Boots'],
        price: [59, 249],
        features: ['Cushioned Sole', 'Waterproof', 'Breathable Mesh', 'Vibram Outsole', 'Lightweight'],
      },
      {
        nouns: ['Yoga Mat', 'Dumbbell Set', 'Resistance Bands'],
        price: [15, 199],
        features: ['Non-Slip', 'Eco-Friendly', 'Adjustable', 'Carry Strap', 'Extra Thick'],
      },
      {
        nouns: ['Road Bike', 'Camping Tent'],
        price: [149, 2499],
        features: ['Carbon Frame', 'Shimano Gears', 'Lightweight', '3-Season', 'Quick Setup'],
      },
    ],
  },
  toys: {
    brands: ['Playfield', 'Brickworks', 'Little Owl', 'Wonderbox', 'Tinker'],
    variants: ['Junior', 'Deluxe', 'Starter', 'Family', 'Classic'],
    lines: [
      {
        nouns: ['Building Blocks', 'Puzzle', 'Board Game'],
        price: [9, 149],
        features: ['Ages 6+', 'Ages 3+', '1000 Pieces', '2-6 Players', 'Eco-Friendly Wood'],
      },
      {
        nouns: ['Remote Control Car', 'Drone', 'Robot Kit'],
        price: [29, 299],
        features: ['Rechargeable', 'App Control', 'Programmable', 'HD Camera', 'Ages 8+'],
      },
    ],
  },
  beauty: {
    brands: ['Lumière', 'Verdant', 'Pure Botanics', 'Glow & Co', 'Aqualis'],
    variants: ['Daily', 'Intense', 'Sensitive', 'Night', 'Hydrating'],
    lines: [
      {
        nouns: ['Face Cream', 'Serum', 'Cleanser'],
        price: [9, 129],
        features: ['Vegan', 'Fragrance-Free', 'Dermatologist Tested', 'SPF 30', '50 ml'],
      },
      {
        nouns: ['Hair Dryer'],
        price: [24, 399],
        features: ['Ionic', 'Diffuser', 'Cool Shot', 'Foldable', '2000 W'],
      },
      {
        nouns: ['Electric Toothbrush', 'Shaver'],
        price: [24, 299],
        features: ['Cordless', 'Travel Case', 'Pressure Sensor', 'Fast Charging', 'Waterproof'],
      },
    ],
  },
} satisfies Record<string, CategoryModel>;

/** The fixed categories generated products belong to. */
export const productCategories = Object.keys(CATEGORIES) as (keyof typeof CATEGORIES)[];

const CENTS = [0.99, 0.95, 0.49, 0.5, 0.9, 0.99, 0.99];

/** mulberry32: tiny, fast and good enough for test data; `seed` fully determines the sequence. */
function createRandom(seed: number): () => number {
  let state = seed >>> 0;
  return () => {
    state = (state + 0x6d2b79f5) >>> 0;
    let t = state;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

function pick<T>(random: () => number, items: readonly T[]): T {
  return items[Math.floor(random() * items.length)] as T;
}

function pickSome(random: () => number, items: readonly string[], min: number, max: number): string[] {
  const count = Math.min(items.length, min + Math.floor(random() * (max - min + 1)));
  const pool = [...items];
  const chosen: string[] = [];
  for (let i = 0; i < count; i++)
    chosen.push(pool.splice(Math.floor(random() * pool.length), 1)[0] as string);
  return chosen;
}

function productName(random: () => number, category: string, model: CategoryModel, noun: string): string {
  const brand = pick(random, model.brands);
  const variant = pick(random, model.variants);
  if (category === 'books') {
    // Book titles read "Mastering Redis, 2nd Edition" rather than "brand noun variant".
    return variant ? `${brand} ${noun}, ${variant}` : `${brand} ${noun}`;
  }
  const number = model.modelNumbers ? ` ${2 + Math.floor(random() * 14)}` : '';
  return `${brand} ${noun} ${variant}${number}`;
}

/**
 * `n` products with ids `p000001`…, names from word lists, one of eight categories, prices with
 * cents and 2-4 features. Deterministic for a given `seed` (default 42); 100,000 take well
 * under a second.
 */
export function generateProducts(n: number, opts: { seed?: number } = {}): Product[] {
  if (!Number.isSafeInteger(n) || n < 0)
    throw new RangeError(`generateProducts: n must be a non-negative integer, got ${n}`);
  const random = createRandom(opts.seed ?? 42);
  const width = Math.max(6, String(n).length);
  const products: Product[] = new Array(n);
  for (let i = 0; i < n; i++) {
    const category = pick(random, productCategories);
    const model: CategoryModel = CATEGORIES[category];
    const line = pick(random, model.lines);
    const noun = pick(random, line.nouns);
    const [low, high] = line.price;
    const whole = low + Math.floor(random() * (high - low + 1));
    products[i] = {
      id: `p${String(i + 1).padStart(width, '0')}`,
      name: productName(random, category, model, noun),
      price: Number((whole + pick(random, CENTS)).toFixed(2)),
      category,
      in_stock: random() < 0.85,
      features: line.formats
        ? [pick(random, line.formats), ...pickSome(random, line.features, 1, 3)]
        : pickSome(random, line.features, 2, 4),
    };
  }
  return products;
}
