import path from 'node:path';
import * as docker from '@pulumi/docker';
import * as pulumi from '@pulumi/pulumi';
import { checkPinnedImage, UnpinnedImageError } from './common';

/** A registry to push our image to, with credentials (from stack config secrets). */
export interface RegistrySettings {
  /** Registry host, e.g. `ghcr.io` or `registry.example.com:5000`. */
  server: string;
  /** Registry user name. */
  username: pulumi.Input<string>;
  /** Registry password or token; wrapped in `pulumi.secret`. */
  password: pulumi.Input<string>;
}

/** Our image. */
export interface ImageSettings {
  /** Repository path, e.g. `gogooku3` or `acme/gogooku3` (prefixed with `registry.server` when set). */
  repository: string;
  /** Tag, e.g. a release version or git SHA; `latest` is refused. */
  tag: string;
  /** When set, the image is built from this repository and pushed; otherwise `repository:tag` is referenced as is. */
  registry?: RegistrySettings;
}

/** The repository root: the build context (the Dockerfile copies package files and sources from it). */
export const REPO_ROOT = path.resolve(__dirname, '..');
/** Dockerfile path relative to {@link REPO_ROOT}. */
export const DOCKERFILE = 'components/images/Dockerfile';
/** Nodes are amd64; builds on arm laptops must not produce an image they cannot run. */
export const PLATFORM = 'linux/amd64';

/**
 * The full reference of our image: `[registry/]repository:tag`. Refuses `latest`, an empty tag, a tag smuggled
 * into `repository`, and anything else that would not pin what runs.
 */
export function imageRef(args: Pick<ImageSettings, 'repository' | 'tag'> & { registry?: Pick<RegistrySettings, 'server'> }): string {
  const { repository, tag } = args;
  if (!/^[a-z0-9]+([._-][a-z0-9]+)*(\/[a-z0-9]+([._-][a-z0-9]+)*)*$/.test(repository)) {
    throw new UnpinnedImageError('image.repository', repository, 'expected a lower-case repository path without a tag or digest');
  }
  if (tag === '' || tag === 'latest') throw new UnpinnedImageError('image.tag', tag, tag === '' ? 'no tag' : 'the tag latest moves');
  const server = args.registry?.server;
  if (server !== undefined && !/^[A-Za-z0-9.-]+(:\d{1,5})?$/.test(server)) {
    throw new UnpinnedImageError('image.registry.server', server, 'expected a registry host[:port]');
  }
  return checkPinnedImage(`${server ? `${server}/` : ''}${repository}:${tag}`, 'image.tag');
}

/**
 * Our image. With a registry it is built from this repository (linux/amd64) and pushed, and `ref` is the
 * pushed digest; without one, `ref` is `repository:tag` and the image must already exist where nodes pull.
 */
export class AppImage extends pulumi.ComponentResource {
  /** The reference workloads use: `repo@sha256:…` after a push, else `repository:tag`. */
  readonly ref: pulumi.Output<string>;

  constructor(name: string, args: ImageSettings, opts?: pulumi.ComponentResourceOptions) {
    super('gogooku3:components:AppImage', name, {}, opts);
    const ref = imageRef(args);
    if (args.registry) {
      const image = new docker.Image(name, {
        imageName: ref,
        build: { context: REPO_ROOT, dockerfile: path.join(REPO_ROOT, DOCKERFILE), platform: PLATFORM },
        registry: {
          server: args.registry.server,
          username: args.registry.username,
          password: pulumi.secret(args.registry.password),
        },
      }, { parent: this });
      // The digest pins the exact bytes pushed even if someone re-pushes the tag.
      this.ref = image.repoDigest.apply((digest) => digest || ref);
    } else {
      this.ref = pulumi.output(ref);
    }
    this.registerOutputs({ ref: this.ref });
  }
}
