/**
 * Word lists of the product generator: per category, brands, variants and product lines with
 * realistic price ranges and features. Data only; `catalog-generator.ts` combines them.
 */

export interface ProductLine {
  nouns: string[];
  /** Whole-unit price range; cents are added separately. */
  price: [number, number];
  features: string[];
  /** Exactly one of these leads the features (a book is paperback or hardcover, not both). */
  formats?: string[];
}

export interface CategoryModel {
  brands: string[];
  variants: string[];
  lines: ProductLine[];
  /** Electronics-like goods carry a model number ("Nova Smartphone Pro 12"). */
  modelNumbers?: boolean;
}

export const CATEGORIES = {
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
