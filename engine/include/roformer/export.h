/* ROFORMER_API marks what the roformer library exports; everything else is built with
   -fvisibility=hidden. Included by both public headers, so it is plain C. */
#ifndef ROFORMER_EXPORT_H
#define ROFORMER_EXPORT_H

#if defined(__GNUC__) || defined(__clang__)
#define ROFORMER_API __attribute__((visibility("default")))
#else
#define ROFORMER_API
#endif

#endif /* ROFORMER_EXPORT_H */
