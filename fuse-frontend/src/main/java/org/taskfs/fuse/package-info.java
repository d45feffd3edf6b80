/**
 * The FUSE front end: any 9P2000 server mounted on a local directory with jnr-fuse and libfuse2.
 * {@link org.taskfs.fuse.FuseMount} is the whole public API.
 */
package org.taskfs.fuse;
