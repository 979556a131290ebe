import { z } from 'zod';
import { ValidationError } from '../errors.js';
import { validateCategory, validateId } from '../keys/index.js';

/** Runs one of `keys`' validators inside zod, so a bad id reads as a schema issue, not a throw. */
function viaValidator(validate: (value: unknown) => string) {
  return (value: string, ctx: z.RefinementCtx): string => {
    try {
      return validate(value);
    } catch (err) {
      ctx.addIssue({ code: 'custom', message: (err as Error).message });
      return z.NEVER;
    }
  };
}

const productFields = {
  id: z.string().transform(viaValidator(validateId)),
  name: z.string().trim().min(1).max(200),
  price: z.number().finite().nonnegative(),
  category: z.string().transform(viaValidator(validateCategory)),
  in_stock: z.boolean(),
  features: z.array(z.string().trim().min(1).max(100)).max(50),
};

/** A product as the seed stores it in `db:product:<id>`; field order is the stored JSON's order. */
export const productSchema = z
  .object({
    ...productFields,
    in_stock: productFields.in_stock.default(true),
    features: productFields.features.default([]),
  })
  .strict();

export type Product = z.infer<typeof productSchema>;

/** A product with the catalog version it was read at: what fenced bulk writes carry. */
export interface VersionedProduct {
  product: Product;
  version: number;
}
/** What callers may hand to `upsert`/`create`: `in_stock` and `features` may be left out. */
export type ProductInput = z.input<typeof productSchema>;

/**
 * A partial update. Written out field by field (no `.partial()`): zod 4 fills defaults inside
 * `.partial()`, which would silently reset `in_stock`/`features` on every patch. `id` may be
 * repeated but not changed; the catalog checks that.
 */
export const productPatchSchema = z
  .object({
    id: productFields.id.optional(),
    name: productFields.name.optional(),
    price: productFields.price.optional(),
    category: productFields.category.optional(),
    in_stock: productFields.in_stock.optional(),
    features: productFields.features.optional(),
  })
  .strict();

export type ProductPatch = z.input<typeof productPatchSchema>;

function validationError(what: string, error: z.ZodError): ValidationError {
  return new ValidationError(`invalid ${what}: ${z.prettifyError(error).replace(/\n/g, ' ')}`, error.issues);
}

/** Parses a product or throws ValidationError (status 400) listing every issue. */
export function parseProduct(input: unknown): Product {
  const result = productSchema.safeParse(input);
  if (!result.success) throw validationError('product', result.error);
  return result.data;
}

export function parseProductPatch(input: unknown): z.output<typeof productPatchSchema> {
  const result = productPatchSchema.safeParse(input);
  if (!result.success) throw validationError('product patch', result.error);
  return result.data;
}

/** The seed's prod1, exactly as the workshop stores it, and two more products in its shape. */
export const seedProducts: Product[] = [
  {
    id: 'prod1',
    name: 'Smartphone Premium',
    price: 899.99,
    category: 'electronics',
    in_stock: true,
    features: ['5G', 'HDR Display', 'Water Resistant'],
  },
  {
    id: 'prod2',
    name: 'Laptop Pro 14',
    price: 1499.99,
    category: 'electronics',
    in_stock: true,
    features: ['16 GB RAM', '512 GB SSD', 'Backlit Keyboard'],
  },
  {
    id: 'prod3',
    name: 'Wireless Noise-Cancelling Headphones',
    price: 249.5,
    category: 'audio',
    in_stock: false,
    features: ['Bluetooth 5.3', 'Active Noise Cancelling', '30 h Battery'],
  },
];
