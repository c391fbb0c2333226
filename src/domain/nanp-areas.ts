/**
 * North American area codes numberspace knows the place of: the state or province
 * (ISO 3166-2 subdivision, without the country) and the city the code is best known by.
 * A stock number in one of these takes its region from here when its entry gives none;
 * emulator mode's synthetic numbers use them (docs/number-stock.md). Not every area code is
 * here: one that is not simply has no region derived.
 */
const AREAS = `
US AL 205 Birmingham, 251 Mobile, 256 Huntsville, 334 Montgomery
US AK 907 Anchorage
US AZ 480 Mesa, 520 Tucson, 602 Phoenix, 623 Glendale, 928 Flagstaff
US AR 479 Fort Smith, 501 Little Rock, 870 Jonesboro
US CA 209 Stockton, 213 Los Angeles, 310 Los Angeles, 323 Los Angeles, 408 San Jose, 415 San Francisco, 510 Oakland, 530 Redding, 559 Fresno, 562 Long Beach, 619 San Diego, 626 Pasadena, 650 San Mateo, 661 Bakersfield, 707 Santa Rosa, 714 Anaheim, 805 Santa Barbara, 818 Burbank, 858 San Diego, 909 San Bernardino, 916 Sacramento, 925 Concord, 949 Irvine, 951 Riverside
US CO 303 Denver, 719 Colorado Springs, 720 Denver, 970 Fort Collins
US CT 203 New Haven, 860 Hartford
US DE 302 Wilmington
US DC 202 Washington
US FL 239 Fort Myers, 305 Miami, 352 Gainesville, 386 Daytona Beach, 407 Orlando, 561 West Palm Beach, 727 St. Petersburg, 786 Miami, 813 Tampa, 850 Tallahassee, 863 Lakeland, 904 Jacksonville, 941 Sarasota, 954 Fort Lauderdale
US GA 229 Albany, 404 Atlanta, 470 Atlanta, 478 Macon, 678 Atlanta, 706 Augusta, 770 Atlanta, 912 Savannah
US HI 808 Honolulu
US ID 208 Boise
US IL 217 Springfield, 309 Peoria, 312 Chicago, 630 Aurora, 773 Chicago, 815 Rockford, 847 Evanston
US IN 219 Gary, 260 Fort Wayne, 317 Indianapolis, 574 South Bend, 812 Evansville
US IA 319 Cedar Rapids, 515 Des Moines, 563 Davenport, 712 Sioux City
US KS 316 Wichita, 785 Topeka, 913 Kansas City
US KY 270 Bowling Green, 502 Louisville, 859 Lexington
US LA 225 Baton Rouge, 318 Shreveport, 337 Lafayette, 504 New Orleans
US ME 207 Portland
US MD 410 Baltimore, 443 Baltimore
US MA 413 Springfield, 508 Worcester, 617 Boston, 857 Boston, 978 Lowell
US MI 248 Troy, 269 Kalamazoo, 313 Detroit, 517 Lansing, 616 Grand Rapids, 734 Ann Arbor, 810 Flint, 906 Marquette, 989 Saginaw
US MN 218 Duluth, 320 St. Cloud, 507 Rochester, 612 Minneapolis, 651 St. Paul, 952 Bloomington
US MS 228 Gulfport, 601 Jackson, 662 Tupelo
US MO 314 St. Louis, 417 Springfield, 573 Columbia, 816 Kansas City
US MT 406 Billings
US NE 308 Grand Island, 402 Omaha
US NV 702 Las Vegas, 775 Reno
US NH 603 Manchester
US NJ 201 Jersey City, 609 Trenton, 856 Camden, 908 Elizabeth, 973 Newark
US NM 505 Albuquerque, 575 Las Cruces
US NY 212 New York, 315 Syracuse, 347 New York, 516 Hempstead, 518 Albany, 585 Rochester, 607 Binghamton, 646 New York, 716 Buffalo, 718 New York, 845 Poughkeepsie, 914 Yonkers, 917 New York
US NC 252 Greenville, 336 Greensboro, 704 Charlotte, 828 Asheville, 910 Fayetteville, 919 Raleigh, 980 Charlotte
US ND 701 Fargo
US OH 216 Cleveland, 330 Akron, 419 Toledo, 513 Cincinnati, 614 Columbus, 937 Dayton
US OK 405 Oklahoma City, 580 Lawton, 918 Tulsa
US OR 503 Portland, 541 Eugene, 971 Portland
US PA 215 Philadelphia, 267 Philadelphia, 412 Pittsburgh, 570 Scranton, 610 Allentown, 717 Harrisburg, 814 Erie
US RI 401 Providence
US SC 803 Columbia, 843 Charleston, 864 Greenville
US SD 605 Sioux Falls
US TN 423 Chattanooga, 615 Nashville, 731 Jackson, 865 Knoxville, 901 Memphis, 931 Clarksville
US TX 210 San Antonio, 214 Dallas, 254 Waco, 281 Houston, 325 Abilene, 361 Corpus Christi, 409 Beaumont, 432 Midland, 469 Dallas, 512 Austin, 713 Houston, 737 Austin, 806 Lubbock, 817 Fort Worth, 832 Houston, 903 Tyler, 915 El Paso, 940 Denton, 956 Laredo, 972 Dallas, 979 Bryan
US UT 435 St. George, 801 Salt Lake City
US VT 802 Burlington
US VA 276 Bristol, 434 Lynchburg, 540 Roanoke, 571 Arlington, 703 Arlington, 757 Norfolk, 804 Richmond
US WA 206 Seattle, 253 Tacoma, 360 Vancouver, 425 Bellevue, 509 Spokane
US WV 304 Charleston
US WI 262 Kenosha, 414 Milwaukee, 608 Madison, 715 Eau Claire, 920 Green Bay
US WY 307 Cheyenne
CA AB 403 Calgary, 780 Edmonton
CA BC 250 Victoria, 604 Vancouver, 778 Vancouver
CA MB 204 Winnipeg
CA NL 709 St. John's
CA ON 226 London, 289 Hamilton, 343 Ottawa, 416 Toronto, 437 Toronto, 519 London, 613 Ottawa, 647 Toronto, 705 Sudbury, 807 Thunder Bay, 905 Hamilton
CA QC 418 Quebec City, 438 Montreal, 514 Montreal, 581 Quebec City, 819 Sherbrooke
CA SK 306 Regina
`;

export interface AreaPlace {
  readonly areaCode: string;
  /** ISO 3166-1 alpha-2: US or CA. */
  readonly country: 'US' | 'CA';
  /** The state or province, e.g. TX. */
  readonly region: string;
  readonly city: string;
}

/** Every known area code, in area-code order. */
export const AREA_PLACES: readonly AreaPlace[] = AREAS.trim()
  .split('\n')
  .flatMap((line) => {
    const [country, region] = line.split(' ', 2) as ['US' | 'CA', string];
    return line
      .slice(6)
      .split(', ')
      .map((entry) => ({ areaCode: entry.slice(0, 3), country, region, city: entry.slice(4) }));
  })
  .sort((a, b) => a.areaCode.localeCompare(b.areaCode));

const BY_CODE = new Map(AREA_PLACES.map((p) => [p.areaCode, p]));

/** The place of a North American number's area code (its first three national digits), if known. */
export const areaPlace = (areaCode: string): AreaPlace | undefined => BY_CODE.get(areaCode);
